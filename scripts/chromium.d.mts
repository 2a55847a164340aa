// Types of chromium.mjs, for the TypeScript tests that import it.
export declare const CHROMIUM_PATH: string;
export declare const haveChromium: boolean;
export declare const NO_CHROMIUM: string;
export declare const CHROMIUM_ARGS: string[];
export declare const CHROMIUM_WEBGPU_ARGS: string[];
export declare function launchOptions<T extends object = object>(extra?: T): { executablePath: string; headless: true; args: string[] } & T;
