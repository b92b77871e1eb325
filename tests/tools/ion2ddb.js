#!/usr/bin/env node
// Reads Amazon Ion text (a file argument, or stdin) with ion-js and prints,
// for each top-level value {Item:{...}}, one line of DynamoDB JSON
// {"Item":{...}}: an independent reading of DynamoDB's ION export format to
// compare ddbfs' exports with. Exits 1 with a message on anything it cannot
// map to a DynamoDB value.
'use strict';

const fs = require('fs');
const ion = require('ion-js');

const SETS = { $dynamodb_SS: 'SS', $dynamodb_NS: 'NS', $dynamodb_BS: 'BS' };

function fail(path, why) {
	throw new Error((path ? `attribute "${path}": ` : '') + why);
}

// The canonical DynamoDB number of sign, digit string and power of ten:
// no exponent, no leading or trailing zeros, at most 38 significant digits,
// magnitude within 1E-130 .. 9.99...9E+125.
function canon(path, neg, digits, exp) {
	digits = digits.replace(/^0+/, '');
	if (digits === '')
		return '0';
	const trailing = digits.length - digits.replace(/0+$/, '').length;
	digits = digits.slice(0, digits.length - trailing);
	exp += trailing;
	if (digits.length > 38)
		fail(path, `number has ${digits.length} significant digits; the limit is 38`);
	const adjusted = digits.length + exp - 1;
	if (adjusted > 125)
		fail(path, 'Number overflow');
	if (adjusted < -130)
		fail(path, 'Number underflow');
	let text;
	if (exp >= 0) {
		text = digits + '0'.repeat(exp);
	} else if (digits.length > -exp) {
		text = digits.slice(0, digits.length + exp) + '.' + digits.slice(digits.length + exp);
	} else {
		text = '0.' + '0'.repeat(-exp - digits.length) + digits;
	}
	return (neg ? '-' : '') + text;
}

// Number text as JavaScript writes a double ("1.5", "1e+21", "-2.5e-7").
function canonText(path, s) {
	const m = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(s);

	if (!m)
		fail(path, `cannot read number ${s}`);
	const frac = m[3] || '';
	return canon(path, m[1] === '-', (m[2] || '') + frac, Number(m[4] || 0) - frac.length);
}

function number(r, path) {
	const t = r.type();

	if (t === ion.IonTypes.INT) {
		const s = r.bigIntValue().toString();
		return canonText(path, s);
	}
	if (t === ion.IonTypes.DECIMAL) {
		const d = r.decimalValue();
		return canon(path, d.isNegative(), d.getCoefficient().toString().replace('-', ''),
			     d.getExponent());
	}
	if (t === ion.IonTypes.FLOAT) {
		const n = r.numberValue();
		if (!Number.isFinite(n))
			fail(path, `${n} is not a finite number`);
		return canonText(path, String(n));
	}
	return null;
}

function b64(u8) {
	return Buffer.from(u8).toString('base64');
}

// The current value (r.next() just returned it) as DynamoDB JSON.
function value(r, path) {
	const t = r.type();
	const sets = r.annotations().filter((a) => SETS[a]);

	if (sets.length > 1)
		fail(path, 'two set annotations');
	if (sets.length === 1) {
		const st = SETS[sets[0]];
		if (t !== ion.IonTypes.LIST || r.isNull())
			fail(path, `${sets[0]} annotates a value that is not a list`);
		const members = [];
		r.stepIn();
		for (let i = 0; r.next() !== null; i++) {
			const p = `${path}[${i}]`;
			const mt = r.type();
			if (r.isNull())
				fail(p, `a null in a ${st}`);
			if (st === 'SS' && (mt === ion.IonTypes.STRING || mt === ion.IonTypes.SYMBOL))
				members.push(JSON.stringify(r.stringValue()));
			else if (st === 'NS' && number(r, p) !== null)
				members.push(JSON.stringify(number(r, p)));
			else if (st === 'BS' && mt === ion.IonTypes.BLOB)
				members.push(JSON.stringify(b64(r.uInt8ArrayValue())));
			else
				fail(p, `a ${mt.name} in a ${st}`);
		}
		r.stepOut();
		if (members.length === 0)
			fail(path, `an empty ${st}`);
		if (new Set(members).size !== members.length)
			fail(path, `duplicates in a ${st}`);
		return `{"${st}":[${members.join(',')}]}`;
	}
	if (r.isNull())
		return '{"NULL":true}';
	switch (t) {
	case ion.IonTypes.BOOL:
		return `{"BOOL":${r.booleanValue() ? 'true' : 'false'}}`;
	case ion.IonTypes.INT:
	case ion.IonTypes.DECIMAL:
	case ion.IonTypes.FLOAT:
		return `{"N":${JSON.stringify(number(r, path))}}`;
	case ion.IonTypes.STRING:
	case ion.IonTypes.SYMBOL:
		return `{"S":${JSON.stringify(r.stringValue())}}`;
	case ion.IonTypes.BLOB:
		return `{"B":${JSON.stringify(b64(r.uInt8ArrayValue()))}}`;
	case ion.IonTypes.STRUCT:
		return `{"M":${fields(r, path)}}`;
	case ion.IonTypes.LIST: {
		const out = [];
		r.stepIn();
		for (let i = 0; r.next() !== null; i++)
			out.push(value(r, `${path}[${i}]`));
		r.stepOut();
		return `{"L":[${out.join(',')}]}`;
	}
	default:
		fail(path, `a ${t.name}, which DynamoDB has no type for`);
	}
	return null;
}

// The fields of the current struct as a JSON object, in their order.
function fields(r, path) {
	const out = [];
	const seen = new Set();

	r.stepIn();
	while (r.next() !== null) {
		const name = r.fieldName();
		const p = path ? `${path}.${name}` : name;
		if (seen.has(name))
			fail(p, 'duplicate attribute name');
		seen.add(name);
		out.push(`${JSON.stringify(name)}:${value(r, p)}`);
	}
	r.stepOut();
	return `{${out.join(',')}}`;
}

function main() {
	const text = fs.readFileSync(process.argv[2] || 0, 'utf8');
	const r = ion.makeReader(text);
	let n = 0;

	for (let t; (t = r.next()) !== null; n++) {
		if (t !== ion.IonTypes.STRUCT || r.isNull())
			fail('', `top-level value ${n + 1} is a ${t.name}, not {Item:{...}}`);
		let item = null;
		r.stepIn();
		while (r.next() !== null) {
			if (r.fieldName() !== 'Item')
				continue;
			if (item !== null)
				fail('', `top-level value ${n + 1} has two Item fields`);
			if (r.type() !== ion.IonTypes.STRUCT || r.isNull())
				fail('', `top-level value ${n + 1}: Item is not a struct`);
			item = fields(r, '');
		}
		r.stepOut();
		if (item === null)
			fail('', `top-level value ${n + 1} has no Item field`);
		process.stdout.write(`{"Item":${item}}\n`);
	}
}

try {
	main();
} catch (e) {
	process.stderr.write(`ion2ddb: ${e.message}\n`);
	process.exit(1);
}
