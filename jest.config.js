// Jest on Node 20 cannot require() the ESM-only Nest 12 packages, so @swc/jest compiles them too
// (see ../shared/TOOLCHAIN.md). One mapper resolves every @app/<lib> alias to its sources.
const esmPackages = [
  '@nestjs', 'file-type', 'load-esm', 'strtok3', 'token-types', '@tokenizer', '@borewit',
  'uint8array-extras', '@standard-schema',
].join('|');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`node_modules/(?!(${esmPackages})/)`],
  moduleNameMapper: { '^@app/([^/]+)(/.*)?$': '<rootDir>/libs/$1/src$2' },
  testEnvironment: 'node',
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/e2e/support/setup.ts'],
      slowTestThreshold: 60,
    },
  ],
};
