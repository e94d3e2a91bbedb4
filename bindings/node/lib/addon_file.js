'use strict';
// Where the native addon is. A source build's build/Release/tokenwarden.node (made on this
// machine, so it wins) or else the prebuilt one the npm tarball carries for this platform,
// prebuilds/<platform tag>/tokenwarden.node (scripts/pack.js puts it there when packing).
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.join(__dirname, '..');
const ADDON = 'tokenwarden.node';

let tag;
// platformTag names the platform a prebuilt addon is for: `linux-x64`, `linux-x64-musl`,
// `darwin-arm64`, ... glibc and musl differ in ABI, so their builds never stand in for each
// other.
function platformTag() {
  if (tag === undefined) {
    tag = `${process.platform}-${process.arch}`;
    if (process.platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime) {
      tag += '-musl';
    }
  }
  return tag;
}

const builtFile = () => path.join(pkg, 'build', 'Release', ADDON);
const prebuiltFile = () => path.join(pkg, 'prebuilds', platformTag(), ADDON);
// addonFile is the file lib/native.js loads: the source build's when there is one.
const addonFile = () => (fs.existsSync(builtFile()) ? builtFile() : prebuiltFile());

module.exports = { platformTag, builtFile, prebuiltFile, addonFile };
