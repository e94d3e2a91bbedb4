'use strict';
// Loads the addon that scripts/build.js (npm install) puts in build/Release.
const path = require('node:path');

const file = path.join(__dirname, '..', 'build', 'Release', 'tokenwarden.node');
try {
  module.exports = require(file);
} catch (cause) {
  throw new Error(
    `tokenwarden: cannot load the native addon ${file}; build it with ` +
      '`npm --prefix bindings/node install` (or `npm run build` in bindings/node)',
    { cause },
  );
}
