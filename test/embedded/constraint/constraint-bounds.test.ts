import { timestampUpperBound } from '../../../src/embedded/constraint/compile';
import type { Json } from '../../../src/flux/json';

describe('timestampUpperBound', () => {
  it.each<[string, Json | undefined, 't_inactive' | 't_run', { value: number; inclusive: boolean } | undefined]>([
    ['no constraint', undefined, 't_inactive', undefined],
    ['{}', {}, 't_inactive', undefined],
    ['<=', { t_inactive: ['<=100'] }, 't_inactive', { value: 100, inclusive: true }],
    ['<', { t_inactive: ['<100'] }, 't_inactive', { value: 100, inclusive: false }],
    ['>= is a lower bound', { t_inactive: ['>=100'] }, 't_inactive', undefined],
    ['> is a lower bound', { t_inactive: ['>100'] }, 't_inactive', undefined],
    ['another timestamp', { t_run: ['<=5'] }, 't_inactive', undefined],
    ['t_run', { t_run: ['<=5'] }, 't_run', { value: 5, inclusive: true }],
    ['inside and', { and: [{ userid: [1] }, { t_inactive: ['<=50'] }] }, 't_inactive', { value: 50, inclusive: true }],
    ['inside nested and', { and: [{ states: ['inactive'] }, { and: [{ t_inactive: ['<=50.5'] }] }] }, 't_inactive', { value: 50.5, inclusive: true }],
    ['the tighter of two', { and: [{ t_inactive: ['<=50'] }, { t_inactive: ['<40'] }] }, 't_inactive', { value: 40, inclusive: false }],
    ['exclusive wins a tie (first)', { and: [{ t_inactive: ['<40'] }, { t_inactive: ['<=40'] }] }, 't_inactive', { value: 40, inclusive: false }],
    ['exclusive wins a tie (second)', { and: [{ t_inactive: ['<=40'] }, { t_inactive: ['<40'] }] }, 't_inactive', { value: 40, inclusive: false }],
    ['next to an or', { and: [{ or: [{ userid: [1] }, { t_inactive: ['<=1'] }] }, { t_inactive: ['<=7'] }] }, 't_inactive', { value: 7, inclusive: true }],
    ['not implied by or', { or: [{ t_inactive: ['<=50'] }] }, 't_inactive', undefined],
    ['not implied through not', { not: [{ t_inactive: ['>50'] }] }, 't_inactive', undefined],
    ['not implied inside not', { not: [{ t_inactive: ['<=50'] }] }, 't_inactive', undefined],
    ['hexadecimal', { t_inactive: ['<=0x10'] }, 't_inactive', { value: 16, inclusive: true }],
    ['blank and exponent', { t_inactive: ['< 1e3'] }, 't_inactive', { value: 1000, inclusive: false }],
    ['empty number is 0', { t_inactive: ['<='] }, 't_inactive', { value: 0, inclusive: true }],
    ['extra values ignored', { t_inactive: ['<=9', 'junk'] }, 't_inactive', { value: 9, inclusive: true }],
    ['infinity', { t_inactive: ['<=inf'] }, 't_inactive', { value: Infinity, inclusive: true }],
    ['nan gives no usable order', { t_inactive: ['<=nan'] }, 't_inactive', undefined],
    ['invalid number', { t_inactive: ['<=abc'] }, 't_inactive', undefined],
    ['negative number', { t_inactive: ['<=-1'] }, 't_inactive', undefined],
    ['non-string value', { t_inactive: [5] }, 't_inactive', undefined],
    ['no value', { t_inactive: [] }, 't_inactive', undefined],
    ['two keys', { t_inactive: ['<=5'], userid: [1] }, 't_inactive', undefined],
    ['and that is not an array', { and: 5 }, 't_inactive', undefined],
    ['null', null, 't_inactive', undefined],
    ['a non-object child is skipped', { and: [5, { t_inactive: ['<3'] }] }, 't_inactive', { value: 3, inclusive: false }],
  ])('%s', (_label, constraint, key, expected) => {
    expect(timestampUpperBound(constraint, key)).toEqual(expected);
  });
});
