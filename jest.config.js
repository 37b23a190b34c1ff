// ts-jest in ESM mode: the action is ESM (@actions/core 3 and http-client 4 ship ESM only).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1'
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 30000,
  setupFiles: ['<rootDir>/__tests__/helpers/nock-setup.cjs'],
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/nock-teardown.cjs'],
  collectCoverageFrom: ['src/**/*.ts']
}
