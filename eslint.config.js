// Lint, including the one-way layering of docs/DESIGN §3: a folder of src/ may import only the
// folders listed after it here (lower layers). The rule is enforced so the architecture cannot drift.
import tseslint from 'typescript-eslint';

const layers = [
  'cli',
  'experiments',
  'train',
  'data',
  'models',
  'convert',
  'onnx',
  'io',
  'nn',
  'optim',
  'ops',
  'autograd',
  'tensor',
  'backend',
  'util',
];

const layerRules = layers.map((layer, i) => {
  const above = layers.slice(0, i);
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(above.length
              ? [
                  {
                    regex: `^(\\.\\./)+(${above.join('|')})(/|$)`,
                    message: `src/${layer} may not import a higher layer (${above.join(', ')}); see DESIGN.md §3`,
                  },
                ]
              : []),
            {
              regex: '^(\\.\\./)+index\\.js$',
              message: 'import the module that defines a symbol, not the package root (avoids cycles)',
            },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'scripts/**/*.py'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/backend/**/*.ts'],
    rules: {},
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/backend/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: 'backend/binding(\\.js)?$', message: 'only src/backend touches the native binding' }] },
      ],
    },
  },
  ...layerRules,
);
