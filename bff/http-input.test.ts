import { describe, expect, it } from 'vitest';
import { fieldPath, repeatedFields } from './http-input.js';

describe('repeatedFields', () => {
  it('names each field given twice in one object, by its path', () => {
    expect(repeatedFields('{"cabin":"economy","cabin":"first"}')).toEqual(['cabin']);
    expect(
      repeatedFields('{"passengers":[{"firstName":"A"},{"firstName":"A","firstName":"B"}]}'),
    ).toEqual(['passengers[1].firstName']);
    expect(repeatedFields('{"a":{"b":{"c":1,"c":2}},"a":3}')).toEqual(['a.b.c', 'a']);
    // Thrice is still one entry.
    expect(repeatedFields('{"x":1,"x":2,"x":3}')).toEqual(['x']);
  });

  it('leaves empty names to the schema (named there as "has a field with no name")', () => {
    expect(repeatedFields('{"":1,"":2,"passengers":{"":1,"":2}}')).toEqual([]);
  });

  it('names at most 10, each path at most 200 characters (its end kept), however many there are', () => {
    const inner = Array.from({ length: 50 }, (_, i) => `"b${i}":0,"b${i}":0`).join(',');
    const json = `${'{"a":'.repeat(300)}{${inner}}${'}'.repeat(300)}`;
    const named = repeatedFields(json);
    expect(named).toHaveLength(10);
    for (const path of named) {
      expect(path.length).toBeLessThanOrEqual(201);
      expect(path.startsWith('…')).toBe(true);
    }
    expect(named[0]!.endsWith('a.a.b0')).toBe(true);
  });

  it('compares names unescaped, as JSON.parse does', () => {
    expect(repeatedFields('{"cabin":1,"cab\\u0069n":2}')).toEqual(['cabin']);
  });

  it('finds none where each object names a field once, even the same name in sibling objects', () => {
    expect(
      repeatedFields('{"passengers":[{"firstName":"A"},{"firstName":"B"}],"cabin":"x"}'),
    ).toEqual([]);
    expect(repeatedFields('{"a":{"x":1},"b":{"x":1}}')).toEqual([]);
    expect(repeatedFields('[1,2,{"a":1}]')).toEqual([]);
    expect(repeatedFields('"text"')).toEqual([]);
  });
});

describe('fieldPath', () => {
  it('writes segments as problems name fields', () => {
    expect(fieldPath(['passengers', 0, 'firstName'])).toBe('passengers[0].firstName');
    expect(fieldPath([])).toBe('');
    expect(fieldPath(['cabin'])).toBe('cabin');
  });
});
