#!/usr/bin/env -S node --initial-old-space-size=128
// The compiled CLI (npm run build:server).
import "../dist/server/cli.js";
