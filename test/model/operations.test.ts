import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidRequestError } from '../../lib/model';
import { HANDLER_NAMES, isOperation, OPERATION_NAMES, OPERATIONS } from '../../lib/model/operations';
import { CONFIGURATION_VARIABLES } from '../../lib/model/configuration';

describe('the registry of operations', () => {
  it('gives every operation a construct id of its own', () => {
    const ids = OPERATION_NAMES.map((operation) => OPERATIONS[operation].id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(HANDLER_NAMES)('has a handler for %s at lambda/handlers/<name>.ts, the entry point the build bundles', (name) => {
    expect(existsSync(join(__dirname, '..', '..', 'lambda', 'handlers', `${name}.ts`))).toBe(true);
  });

  it.each(OPERATION_NAMES)("refuses, with %s's own parser, an event that is not an object", (operation) => {
    expect(() => OPERATIONS[operation].parse(null)).toThrow(InvalidRequestError);
  });

  it.each(OPERATION_NAMES)('keeps %s within Lambda\'s limits and names only configuration parts that have variables', (operation) => {
    const spec = OPERATIONS[operation];
    expect(spec.memorySize).toBeGreaterThanOrEqual(128);
    expect(spec.timeoutSeconds).toBeLessThanOrEqual(900);
    expect(spec.reservedConcurrency).toBeGreaterThan(0);
    for (const part of spec.configuration) expect(CONFIGURATION_VARIABLES[part].length).toBeGreaterThan(0);
  });

  it('knows its operations by name, and nothing else', () => {
    expect(OPERATION_NAMES.every(isOperation)).toBe(true);
    expect(isOperation('record')).toBe(false);
    expect(isOperation('toString')).toBe(false);
  });
});
