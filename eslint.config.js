// The linter's rules for cosi. Style (layout, line length of 120) is Prettier's (.prettierrc.json); this file holds
// the rules that catch bugs and the limits that keep functions reviewable: cyclomatic complexity at most 25.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'src/config/generated/', 'fixtures/', 'test/fixtures/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {...globals.node}},
    rules: {
      complexity: ['error', 25],
      // cosi matches control characters on purpose: hostile names and terminal escapes are refused or stripped.
      'no-control-regex': 'off',
      'max-depth': ['error', 5],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'},
      ],
    },
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: {sourceType: 'commonjs'},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    files: ['src/**/*.ts', 'bin/**/*.js'],
    languageOptions: {
      parserOptions: {
        projectService: {allowDefaultProject: ['bin/*.js']},
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
);
