'use strict';
// Loads the addon: a source build's (scripts/build.js) or the tarball's prebuilt one
// (lib/addon_file.js says which).
const { addonFile } = require('./addon_file');

const file = addonFile();
try {
  module.exports = require(file);
} catch (cause) {
  throw new Error(
    `tokenwarden: cannot load the native addon ${file}; reinstall the package (npm install ` +
      'builds the addon when no prebuilt one fits this platform), or in a checkout run ' +
      '`npm --prefix bindings/node install`',
    { cause },
  );
}
