#!/usr/bin/env node
// Readies bindings/node for `npm pack` / `npm publish` and tidies up after them
// (package.json "prepack" and "postpack"):
//   prepare  builds the addon from source (scripts/build.js; TW_BINDINGS_CORE_DIR is honoured)
//            into prebuilds/<platform tag>/tokenwarden.node, and copies the parts of the
//            repository that ../package-sources.txt names into vendor/. The tarball then
//            installs without compiling where the prebuilt addon loads, and builds from
//            vendor/ where it does not.
//   clean    removes prebuilds/ and vendor/: in a checkout they exist only while packing.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { prebuiltFile } = require('../lib/addon_file');
const { buildFromSource } = require('./build');

const pkg = path.resolve(__dirname, '..');
const repo = path.resolve(pkg, '..', '..');
const vendor = path.join(pkg, 'vendor');
const prebuilds = path.join(pkg, 'prebuilds');

function clean() {
  fs.rmSync(vendor, { recursive: true, force: true });
  fs.rmSync(prebuilds, { recursive: true, force: true });
}

function prepare() {
  const list = path.join(repo, 'bindings', 'package-sources.txt');
  if (!fs.existsSync(list)) throw new Error(`tokenwarden: pack from a checkout (no ${list})`);
  clean();
  const addon = buildFromSource('npm pack');
  const target = prebuiltFile();
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(addon, target);
  console.error(`tokenwarden: prebuilt ${path.relative(pkg, target)}`);
  const paths = fs.readFileSync(list, 'utf8').split('\n').map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of paths) {
    fs.cpSync(path.join(repo, p), path.join(vendor, p), { recursive: true });
  }
}

try {
  const step = { prepare, clean }[process.argv[2]];
  if (!step) throw new Error('usage: pack.js prepare|clean');
  step();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
