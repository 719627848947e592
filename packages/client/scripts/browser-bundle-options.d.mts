// Types of browser-bundle-options.mjs.
import type { BuildOptions } from 'esbuild';

/** The package directory. */
export declare const packageRoot: string;

/** esbuild options for the browser bundle written to `outfile`. */
export declare function browserBundleOptions(outfile: string): BuildOptions;
