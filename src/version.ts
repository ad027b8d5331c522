import {readPackageFile} from './package-files.js';

/** version is cosi's version, from its package.json. */
export const version: string = (JSON.parse(readPackageFile('package.json')) as {version: string}).version;
