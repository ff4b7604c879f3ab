/** The tool version reported in JSON and SARIF output; kept equal to package.json by a test. */
export const VERSION = '0.1.0';
