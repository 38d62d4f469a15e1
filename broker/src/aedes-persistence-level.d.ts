// aedes-persistence-level ships no types. We load its async class directly:
// its main export wraps it in a callback adapter, which Aedes 1.x rejects.
declare module 'aedes-persistence-level/asyncPersistence.js' {
  export default class AsyncLevelPersistence {
    /** A level database (abstract-level); values are written as buffers per operation. */
    constructor(db: object);
    destroy(): Promise<void>;
  }
}
