// Run reports: a self-contained report.html for a run directory.
export { writeReport, type WriteReportOptions } from './write-report.js';
export { renderReport, type RenderReportOptions } from './render-report.js';
export { readRunData, parseReferenceRun, type RunData, type RunImage } from './read-run.js';
export { referenceRunOf } from './reference-of.js';
