#!/usr/bin/env node
// Entry point of the `gatehouse` command. The sources are TypeScript; tsx's loader compiles them
// on first import (cached), so a checkout runs with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
