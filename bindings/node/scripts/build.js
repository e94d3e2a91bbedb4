#!/usr/bin/env node
// Builds the addon: `npm install` in bindings/node runs this (package.json "install").
//   1. ../../scripts/install-build-deps --check: are compilers, cmake, ninja, abseil, simdjson
//      and the static BoringSSL (in /var/cache/tokenwarden) there? Nothing is installed: when
//      one is missing the build stops with one line naming scripts/bootstrap.
//   2. cmake (Ninja, Release) of bindings/node/CMakeLists.txt into bindings/node/build, with
//      the include dirs of the node-addon-api and node-api-headers npm packages (nothing is
//      downloaded from nodejs.org).
//   3. copies build/tokenwarden.node to build/Release/tokenwarden.node (lib/native.js).
// Environment: TW_JOBS (default 2) parallel compile jobs; TW_SKIP_DEPS=1 skips step 1.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');
const repo = path.resolve(pkg, '..', '..');
const build = path.join(pkg, 'build');

function run(cmd, args, opts = {}) {
  console.error(`tokenwarden: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`tokenwarden: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`tokenwarden: ${cmd} failed (exit ${r.status})`);
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

function main() {
  if (!fs.existsSync(path.join(repo, 'core', 'CMakeLists.txt'))) {
    throw new Error(
      `tokenwarden: the C++ sources are not at ${repo}. Build from a checkout of the ` +
        'repository (`npm install /path/to/repo/bindings/node` links it; do not use ' +
        '--install-links, which copies the package away from the sources).',
    );
  }
  if (process.env.TW_SKIP_DEPS !== '1') {
    // The check's own line is the whole message: no command echo or exit status around it.
    const script = path.join(repo, 'scripts', 'install-build-deps');
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
  const release = path.join(build, 'Release');
  fs.mkdirSync(release, { recursive: true });
  const target = path.join(release, 'tokenwarden.node');
  // Copy to a temporary name and rename: a running process may have the old file mapped.
  fs.copyFileSync(path.join(build, 'tokenwarden.node'), `${target}.tmp`);
  fs.renameSync(`${target}.tmp`, target);
  console.error(`tokenwarden: built ${path.relative(process.cwd(), target) || target}`);
}

try {
  main();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
