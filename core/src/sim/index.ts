// The simulator (docs: core/README.md): seeded values, anomalies with labels, the real-time scheduler.
export { createPrng, deriveSeed } from './prng.js';
export type { Prng } from './prng.js';
export { createCycleGenerator } from './cycle-generator.js';
export type { CycleGenerator, CycleGeneratorOptions } from './cycle-generator.js';
export { createReadingGenerator, READING_MODEL } from './reading-generator.js';
export type { ReadingGenerator, ReadingValues } from './reading-generator.js';
export { ANOMALY_KINDS, ANOMALY_MODELS, ANOMALY_RATES, IMPLEMENTED_ANOMALY_KINDS, anomalyMagnitude, createAnomalyInjector } from './anomaly.js';
export type { AnomalyKind, AnomalyLabel, AnomalyInjector, AnomalyInjectorOptions, AnomalyKindModel, AnomalyEpisode, AnomalyContext, SampleDraft } from './anomaly.js';
export { createSampleSource, CYCLE_MS, READING_MS } from './sample-source.js';
export type { SimStream, SimSample, CycleSample, ReadingSample, SampleSource, SampleSourceOptions } from './sample-source.js';
export { startRealTime } from './real-time.js';
export type { RealTimeOptions, RealTimeRun, SimTimers } from './real-time.js';
export type { HistoricalRow } from './historical-row.js';
