import { isErrorCode } from '@typedcluster/core';
import type { DeliveryEnd } from '../mqtt/delivery.js';
import type { FrameAnswer } from './tcp-connection.js';

/**
 * What the device is told when the lane is done with its frame
 * (wire-format §6.4.3). A failure the frame cannot be blamed for (a 5xx
 * after TCP_MAX_ATTEMPTS) is RETRY, so the device keeps it: nothing
 * accepted is lost. Codes outside the catalogue become UNEXPECTED_ANSWER.
 */
export function frameAnswerOfEnd(end: DeliveryEnd): FrameAnswer {
  if (end.kind !== 'dead') return end.kind === 'done' ? { outcome: 'stored', code: '' } : { outcome: 'duplicate', code: 'REPLAY' };
  const { status, code } = end.answer;
  const known = isErrorCode(code) ? code : 'UNEXPECTED_ANSWER';
  return status >= 400 && status < 500 ? { outcome: 'refused', code: known } : { outcome: 'retry', code: known };
}
