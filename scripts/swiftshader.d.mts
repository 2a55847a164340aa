// Types of swiftshader.mjs, for the TypeScript tests that import it.
export declare const SWIFTSHADER_ICD: string;
export declare const swiftShaderMissing: string[];
export declare const haveSwiftShader: boolean;
export declare const NO_SWIFTSHADER: string;
