/**
 * Credential design: the pure domain layer (no express, no SQL). Import from here.
 * (store.ts and outcomePages.ts in this folder are the database and web layers; they
 * are deliberately not exported here.)
 *
 * - vocabulary: value lists (edubadges' exact strings where it has them) and labels
 * - model: types for course outcomes and micro-credential definitions (Annex I)
 * - validation: zod schemas for every write, with form-ready messages
 * - readiness: what still blocks publishing, linked to form fields
 * - mapping: course outcomes × learning outcomes matrix, rubric coverage
 * - completion: the completion rule in words, and its evaluation for a learner
 * - csv: course outcomes from pasted or uploaded CSV
 * - achievement: the Open Badges 3.0 Achievement, and its validation
 */
export * from './vocabulary';
export * from './model';
export * from './defaults';
export * from './rubric';
export * from './validation';
export * from './readiness';
export * from './mapping';
export * from './completion';
export * from './csv';
export * from './achievement';
