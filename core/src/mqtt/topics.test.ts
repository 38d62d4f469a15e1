import assert from 'node:assert/strict';
import { deviceIdOfTopic, deviceTopics, isValidFilter, TOPICS, topicMatches } from './topics.js';

describe('MQTT topics', () => {
  const cases: Array<[string, string, boolean]> = [
    ['plc/+/cycle', 'plc/7/cycle', true],
    ['plc/+/cycle', 'plc/7/reading', false],
    ['plc/+/cycle', 'plc/7/cycle/extra', false],
    ['plc/#', 'plc', true],
    ['plc/#', 'plc/7/cycle', true],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['sensor/+/reading', 'sensor//reading', true],
    ['+/+', 'a/b', true],
    ['+', 'a/b', false],
    ['a/b', 'a/b', true],
  ];
  for (const [filter, topic, expected] of cases) {
    it(`${filter} ${expected ? 'matches' : 'does not match'} ${topic}`, () => assert.equal(topicMatches(filter, topic), expected));
  }

  it('validates filters as MQTT does', () => {
    for (const ok of ['a/+/b', '#', 'a/#', '+', 'plc/+/cycle']) assert.equal(isValidFilter(ok), true, ok);
    for (const bad of ['', 'a/#/b', 'a#', 'a/b+', 'x\u0000']) assert.equal(isValidFilter(bad), false, JSON.stringify(bad));
  });

  it('names device topics and reads the device id back', () => {
    assert.deepEqual(deviceTopics(7), ['plc/7/cycle', 'sensor/7/reading']);
    assert.equal(deviceIdOfTopic(TOPICS.plcCycle(32767)), 32767);
    assert.equal(deviceIdOfTopic('sensor/12/reading'), 12);
    for (const t of ['plc/0/cycle', 'plc/40000/cycle', 'plc/7/cycle/x', 'readings/7', 'plc/a/cycle']) assert.equal(deviceIdOfTopic(t), undefined, t);
    assert.equal(TOPICS.deadLetter('ingest-binary'), 'typedcluster/dead-letter/ingest-binary');
  });
});
