#!/usr/bin/env node
/**
 * The `ganref` command's launcher: it checks that the optional peer dependencies the command line
 * needs are installed, says which to install when they are not, and only then loads the command
 * line (`cli.ts`), whose static imports would otherwise fail with a bare "Cannot find package".
 */
import { missingPeers, missingPeersMessage, PEERS_OF } from './peers.js';

const missing = missingPeers(PEERS_OF['the ganref command']);
if (missing.length > 0) {
  process.stderr.write(`ganref: ${missingPeersMessage('the ganref command', missing)}\n`);
  process.exit(2);
}
await import('./cli.js');
