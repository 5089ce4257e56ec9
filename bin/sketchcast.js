#!/usr/bin/env node
// The compiled CLI (npm run build:server).
import "../dist/server/cli.js";
