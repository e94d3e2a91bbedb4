#!/usr/bin/env node
// Provides the addon: `npm install` runs this (package.json "install").
//   0. An installed npm tarball carries a prebuilt addon (prebuilds/<platform tag>/, made by
//      scripts/pack.js). When one exists for this platform and loads, that is all: nothing is
//      compiled. `npm install --build-from-source` skips it.
// Otherwise the addon is built from source, from the copy of the core's sources the tarball
// carries (vendor/) or from the checkout two levels up:
//   1. cmake, ninja and a C/C++ compiler must be on PATH; when one is not, the install stops
//      with one line naming what to install.
//   2. scripts/install-build-deps --check: are abseil, simdjson and the static archives (in
//      /var/cache/tokenwarden) there? Nothing is installed: when one is missing the build
//      stops with one line naming the script that installs them.
//   3. cmake (Ninja, Release) of bindings/node/CMakeLists.txt into bindings/node/build, with
//      the include dirs of the node-addon-api and node-api-headers npm packages (nothing is
//      downloaded from nodejs.org).
//   4. copies build/tokenwarden.node to build/Release/tokenwarden.node (lib/addon_file.js).
// Environment: TW_JOBS (default 2) parallel compile jobs; TW_SKIP_DEPS=1 skips step 2.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { builtFile, platformTag, prebuiltFile } = require('../lib/addon_file');

const pkg = path.resolve(__dirname, '..');
const vendor = path.join(pkg, 'vendor');
const build = path.join(pkg, 'build');

function run(cmd, args, opts = {}) {
  console.error(`tokenwarden: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`tokenwarden: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`tokenwarden: ${cmd} failed (exit ${r.status})`);
}

// sourceRoot is the tree the core is built from: the checkout around this folder, else the
// tarball's vendor/ copy (in a checkout, vendor/ exists only while packing). CMakeLists.txt
// makes the same choice.
function sourceRoot() {
  const repo = path.resolve(pkg, '..', '..');
  if (fs.existsSync(path.join(repo, 'bindings', 'package-sources.txt'))) return repo;
  if (fs.existsSync(path.join(vendor, 'core', 'CMakeLists.txt'))) return vendor;
  throw new Error(
    `tokenwarden: no C++ sources to build the addon from (neither a checkout around this ` +
      `folder nor ${vendor}); install the npm tarball, or \`npm install /path/to/repo/bindings/node\` ` +
      '(without --install-links, which copies the package away from the sources)',
  );
}

// prebuiltOrWhyNot returns '' when the tarball's addon for this platform exists and loads
// here (nothing to build), else why the addon is built from source.
function prebuiltOrWhyNot() {
  const file = prebuiltFile();
  if (process.env.npm_config_build_from_source === 'true') return 'npm install --build-from-source';
  if (!fs.existsSync(file)) return `no prebuilt addon for ${platformTag()}`;
  try {
    require(file);
  } catch (e) {
    const why = `the prebuilt addon for ${platformTag()} does not load: ${String(e.message).split('\n')[0]}`;
    console.error(`tokenwarden: ${why}; building from source`);
    return why;
  }
  console.error(`tokenwarden: using the prebuilt addon ${path.relative(pkg, file)}`);
  return '';
}

function onPath(cmd) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// checkToolchain stops the build with one line when a tool it runs is not on PATH; `why` says
// why the addon is being built.
function checkToolchain(root, why) {
  const missing = [];
  for (const tools of [['cmake'], ['ninja'], ['cc', 'gcc'], ['c++', 'g++']]) {
    if (!tools.some(onPath)) missing.push(tools.join('/'));
  }
  if (missing.length === 0) return;
  throw new Error(
    `tokenwarden: building the addon from source (${why}) needs ${missing.join(', ')}, not ` +
      `found on PATH: install them (Debian: ${path.join(root, 'scripts', 'install-build-deps')} as root)`,
  );
}

// ensureBuildDeps installs node-addon-api and node-api-headers (pinned by package-lock.json)
// into bindings/node/node_modules when they are missing: `npm install /path/to/bindings/node`
// from an application links this folder without installing its dependencies here.
function ensureBuildDeps() {
  const missing = ['node-addon-api', 'node-api-headers'].filter((name) => {
    try {
      require.resolve(name, { paths: [pkg] });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const npm = process.env.npm_execpath;
  const [cmd, pre] = npm && npm.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
  run(cmd, [...pre, 'ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: pkg });
}

// buildFromSource compiles the addon into build/tokenwarden.node and copies it to
// build/Release (`why` names the reason in messages); scripts/pack.js calls it too.
function buildFromSource(why) {
  const root = sourceRoot();
  checkToolchain(root, why);
  if (process.env.TW_SKIP_DEPS !== '1') {
    // The check's own line is the whole message: no command echo or exit status around it.
    const script = path.join(root, 'scripts', 'install-build-deps');
    const check = spawnSync(script, ['--check'], {
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    });
    if (check.error) throw new Error(`tokenwarden: cannot run ${script}: ${check.error.message}`);
    if (check.status !== 0) throw new Error(check.stderr.trim());
  }
  ensureBuildDeps();
  const addonApi = path.resolve(pkg, require(require.resolve('node-addon-api', { paths: [pkg] })).include_dir);
  const apiHeaders = require(require.resolve('node-api-headers', { paths: [pkg] })).include_dir;
  const jobs = String(Number(process.env.TW_JOBS) > 0 ? Number(process.env.TW_JOBS) : 2);
  run('cmake', [
    '-S', pkg, '-B', build, '-G', 'Ninja',
    '-DCMAKE_BUILD_TYPE=Release',
    `-DNODE_ADDON_API_DIR=${addonApi}`,
    `-DNODE_API_HEADERS_DIR=${apiHeaders}`,
  ]);
  run('cmake', ['--build', build, '--target', 'tokenwarden_node', '-j', jobs]);
  const target = builtFile();
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Copy to a temporary name and rename: a running process may have the old file mapped.
  fs.copyFileSync(path.join(build, 'tokenwarden.node'), `${target}.tmp`);
  fs.renameSync(`${target}.tmp`, target);
  console.error(`tokenwarden: built ${path.relative(process.cwd(), target) || target}`);
  return target;
}

module.exports = { buildFromSource };

if (require.main === module) {
  try {
    const why = prebuiltOrWhyNot();
    if (why) buildFromSource(why);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
