import { describe, expect, it } from 'vitest';
import { checkSecurity } from '../../../src/core/security.js';
import type { SecurityRule } from '../../../src/config/schema.js';

const rules = (...list: SecurityRule[]) => ({ enabled: true, rules: list });

describe('checkSecurity (srs_app_security.cpp)', () => {
  it('allows everything when disabled', () => {
    expect(checkSecurity({ enabled: false, rules: [] }, 'publish', '1.2.3.4')).toBeUndefined();
  });
  it('rejects when enabled with no rules at all', () => {
    expect(checkSecurity(rules(), 'play', '1.2.3.4')).toMatch(/not allowed/);
  });
  it('deny wins over allow', () => {
    const config = rules({ action: 'allow', method: 'play', target: 'all' }, { action: 'deny', method: 'play', target: '10.0.0.0/8' });
    expect(checkSecurity(config, 'play', '10.1.2.3')).toMatch(/denied/);
    expect(checkSecurity(config, 'play', '11.1.2.3')).toBeUndefined();
  });
  it('an allow list rejects others; IPv4-mapped peers match', () => {
    const config = rules({ action: 'allow', method: 'publish', target: '127.0.0.1' });
    expect(checkSecurity(config, 'publish', '::ffff:127.0.0.1')).toBeUndefined();
    expect(checkSecurity(config, 'publish', '127.0.0.2')).toMatch(/not allowed/);
  });
});
