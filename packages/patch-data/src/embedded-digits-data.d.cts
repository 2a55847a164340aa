/** The embedded digits, gzip-compressed and base64-encoded (see scripts/make-embedded-digits.mjs). */
declare const embeddedDigits: string;
export = embeddedDigits;
