// natural's BayesClassifier, trained once on the split, in its own process so it runs next to the
// rest of the bench (it is by far the slowest part). Invoked by run.ts:
//   node --import tsx bench/classifier/natural-bayes.ts <input.json> <output.json>
// Input: { train: [{ text, label }], test: [{ text }] } — texts already truncated by run.ts.
import { readFileSync, writeFileSync } from 'node:fs';
// Subpath import: the package root loads database drivers and runs dotenv (PLATFORM-NOTES §7).
import classifiers from 'natural/lib/natural/classifiers/index.js';

export interface NaturalInput {
  train: { text: string; label: 'spam' | 'ham' }[];
  test: { text: string }[];
}

export interface NaturalOutput {
  /** Top label per test message (what classify() returns: the first of getClassifications()). */
  labels: string[];
  /** spam / (spam + ham) of getClassifications(); 0.5 when both underflow to 0. */
  scores: number[];
  /** Test messages whose class scores both underflowed to 0 (classify() then picks arbitrarily). */
  underflows: number;
  addDocumentMs: number;
  trainMs: number;
  classifyMs: number[];
  vocabulary: number;
}

const [inputPath, outputPath] = process.argv.slice(2);
if (!inputPath || !outputPath) throw new Error('usage: natural-bayes.ts <input.json> <output.json>');
const input = JSON.parse(readFileSync(inputPath, 'utf8')) as NaturalInput;

const classifier = new classifiers.BayesClassifier();
let t = performance.now();
for (const doc of input.train) classifier.addDocument(doc.text, doc.label);
const addDocumentMs = performance.now() - t;
t = performance.now();
classifier.train();
const trainMs = performance.now() - t;

const out: NaturalOutput = { labels: [], scores: [], underflows: 0, addDocumentMs, trainMs, classifyMs: [], vocabulary: Object.keys(classifier.features).length };
for (const doc of input.test) {
  // classify() is getClassifications()[0].label; calling the latter once gives both label and score.
  t = performance.now();
  const classes = classifier.getClassifications(doc.text);
  out.classifyMs.push(performance.now() - t);
  const label = classes[0]?.label ?? 'ham';
  const values = new Map(classes.map((c) => [c.label, c.value]));
  const spam = values.get('spam') ?? 0;
  const ham = values.get('ham') ?? 0;
  if (spam + ham === 0) out.underflows++;
  out.labels.push(label);
  out.scores.push(spam + ham === 0 ? 0.5 : spam / (spam + ham));
}
writeFileSync(outputPath, JSON.stringify(out));
