import { expect, test } from 'vitest';
import { missingPeers, missingPeersMessage, PEERS_OF } from '../src/peers.js';

test('the harness peers are installed here and a missing one is named with its install command', () => {
  expect(missingPeers(PEERS_OF['the ganref command'])).toEqual([]);
  expect(missingPeers(['fast-check', 'ganref-no-such-package'])).toEqual(['ganref-no-such-package']);
  expect(missingPeersMessage('ganref/catalog', ['fast-check'])).toContain('npm install --save-dev fast-check');
});
