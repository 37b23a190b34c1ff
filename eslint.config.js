import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Logging goes through @actions/core so the runner can group, mask and annotate it.
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error'
    }
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/common/job-log.ts'],
    rules: {
      // Text from the network must not reach the log unneutralized (src/common/job-log.ts says why).
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='core'][property.name=/^(info|debug|notice|warning|error|setFailed|group|startGroup)$/]",
          message: 'Log through src/common/job-log.ts, which keeps text from the network from starting a workflow command.'
        }
      ]
    }
  },
  {
    files: ['scripts/**/*.mjs', '__tests__/**/*.ts', '__tests__/**/*.cjs', 'stand-in/**/*.ts'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly'
      }
    },
    rules: { 'no-console': 'off', '@typescript-eslint/no-require-imports': 'off' }
  }
)
