/**
 * JSON text as SRS's API writes it (srs_protocol_json.cpp dumps): compact,
 * keys in insertion order, integers plain and doubles with two decimals
 * (`"alive":12.34`, `"mem_percent":0.00`), which JSON.stringify cannot
 * express. Pure.
 */

/** A number SRS writes as a double (`%.2f`). */
export class Decimal {
  constructor(readonly value: number) {}
}

export type SrsJson = string | number | boolean | null | Decimal | readonly SrsJson[] | { readonly [key: string]: SrsJson | undefined };

/** The compact text; `undefined` members are left out, as JSON.stringify does. */
export function srsJsonText(value: SrsJson): string {
  if (value === null) return 'null';
  if (value instanceof Decimal) return Number.isFinite(value.value) ? value.value.toFixed(2) : '0.00';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(Math.trunc(value)) : '0';
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (Array.isArray(value)) return `[${(value as readonly SrsJson[]).map(srsJsonText).join(',')}]`;
  const members: string[] = [];
  for (const [key, member] of Object.entries(value as { readonly [key: string]: SrsJson | undefined })) {
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${srsJsonText(member)}`);
  }
  return `{${members.join(',')}}`;
}
