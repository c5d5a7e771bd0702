import { replaceSection } from './markdown';

const DOCUMENT = '# Benchmarks\n\n## Performance\n\nold figures\n\n### Synth\n\nrows\n\n## Reliability under faults\n\nkept\n';

describe('replaceSection', () => {
  it('replaces the section and its subsections, leaving the others as they are', () => {
    expect(replaceSection(DOCUMENT, '## Performance', '## Performance\n\nnew figures\n')).toBe(
      '# Benchmarks\n\n## Performance\n\nnew figures\n\n## Reliability under faults\n\nkept\n',
    );
  });

  it('replaces the last section up to the end of the document', () => {
    expect(replaceSection(DOCUMENT, '## Reliability under faults', '## Reliability under faults\n\nnew\n')).toBe(
      '# Benchmarks\n\n## Performance\n\nold figures\n\n### Synth\n\nrows\n\n## Reliability under faults\n\nnew\n',
    );
  });

  it('appends a section the document does not have yet', () => {
    expect(replaceSection('# Benchmarks\n', '## Performance', '## Performance\n\nfigures')).toBe('# Benchmarks\n\n## Performance\n\nfigures\n');
  });
});
