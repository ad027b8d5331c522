import test from 'ava';
import {limits} from '../../src/config/limits.js';
import {findExcessiveNesting} from '../../src/config/parse-yaml.js';

const over = limits.maxDepth + 1;

test('findExcessiveNesting: a plain document is fine', (t) => {
  t.is(
    findExcessiveNesting(
      'apiVersion: cosi.dev/v1alpha1\nmetadata: {name: a}\nspec:\n  sysctls:\n    net.ipv4.ip_forward: 1\n',
    ),
    undefined,
  );
});

test('findExcessiveNesting: many flow collections side by side are not nesting', (t) => {
  t.is(findExcessiveNesting(Array.from({length: over * 2}, (_, i) => `k${i}: {a: [1]}`).join('\n')), undefined);
});

test('findExcessiveNesting: brackets in quotes and comments do not count', (t) => {
  t.is(findExcessiveNesting(`a: "${'['.repeat(over)}"\nb: '${'{'.repeat(over)}'\n# ${'['.repeat(over)}\n`), undefined);
});

test('findExcessiveNesting: nested flow collections past the limit are found where the limit is crossed', (t) => {
  t.is(findExcessiveNesting(`a: ${'['.repeat(over)}${']'.repeat(over)}`), 3 + limits.maxDepth);
});

test('findExcessiveNesting: block indentation past the limit is found', (t) => {
  const text = `a:\n${' '.repeat(limits.maxDepth * 8 + 1)}b: 1\n`;
  t.is(findExcessiveNesting(text), 3 + limits.maxDepth * 8);
});
