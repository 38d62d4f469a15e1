import assert from 'node:assert/strict';
import { seededRandom } from '../crypto/seeded-random.js';
import { recordTexts } from './record-texts.js';

describe('recordTexts', () => {
  it('slices each element of "records" exactly as written', () => {
    const text = ' { "batch" : [1, {"records": [9]}] ,\n\t"records" : [ {"a":"x]}\\"y","b":[1,[2]]} ,\r\n 2.5e-3,null, "s,]" ,true,[] ] , "z": {"records": 1} } ';
    assert.deepEqual(recordTexts(text), ['{"a":"x]}\\"y","b":[1,[2]]}', '2.5e-3', 'null', '"s,]"', 'true', '[]']);
  });

  it('gives an empty list for an empty array', () => {
    assert.deepEqual(recordTexts('{"records":[]}'), []);
    assert.deepEqual(recordTexts('{"records":[ ]}'), []);
  });

  it('gives up where the slices might not be what JSON.parse read', () => {
    for (const text of ['[]', '{}', '{"other":[1]}', '{"records":{"a":1}}', '{"records":[1],"records":[2]}', '{"rec\\u006frds":[1]}', '"records"']) {
      assert.equal(recordTexts(text), undefined, text);
    }
  });

  it('agrees with JSON.parse on 2,000 random bodies', () => {
    const { u32 } = seededRandom(12345);
    const rand = (n: number) => u32() % n;
    const space = () => [' ', '\n', '\t', '\r', ''][rand(5)]!;
    const strings = ['', 'a', '"', '\\', ']', '}', '[{', ',', 'é', '\u2028', '\u0000'];
    const value = (depth: number): unknown => {
      switch (rand(depth > 2 ? 4 : 6)) {
        case 0: return rand(1000) - 500 + rand(100) / 7;
        case 1: return strings[rand(strings.length)];
        case 2: return [null, true, false][rand(3)];
        case 3: return -rand(10);
        case 4: return Array.from({ length: rand(4) }, () => value(depth + 1));
        default: return Object.fromEntries(Array.from({ length: rand(4) }, (_, k) => [`${strings[rand(strings.length)]}${k}`, value(depth + 1)]));
      }
    };
    // JSON.stringify's output with random whitespace between tokens (outside strings).
    const spaced = (v: unknown): string => {
      if (Array.isArray(v)) return `[${space()}${v.map((e) => spaced(e)).join(`${space()},${space()}`)}${space()}]`;
      if (v !== null && typeof v === 'object') return `{${space()}${Object.entries(v).map(([k, e]) => `${JSON.stringify(k)}${space()}:${space()}${spaced(e)}`).join(`${space()},${space()}`)}${space()}}`;
      return JSON.stringify(v);
    };
    for (let n = 0; n < 2000; n++) {
      const records = Array.from({ length: rand(6) }, () => value(0));
      const others = Object.fromEntries(Array.from({ length: rand(3) }, (_, k) => [`k${k}`, value(1)]));
      const text = space() + spaced({ ...others, records, ...(rand(2) ? { after: value(1) } : {}) }) + space();
      const texts = recordTexts(text);
      assert.ok(texts, text);
      assert.deepEqual(texts.map((t) => JSON.parse(t)), JSON.parse(text).records, text);
    }
  });
});
