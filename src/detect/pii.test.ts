/**
 * MCP10 (context over-sharing / PII): emails, phones, cards, IBANs, SSNs, IPs, national ids,
 * names and street addresses, with the look-alikes that are not personal data.
 */
import { describe, expect, it } from 'vitest';
import { expectLinearTime, scoreCorpus, sharedCorpus } from '../../test/helpers/detect.js';
import { cardNetwork, detectPii, ibanValid, luhnValid, piiDetector, ssnValid } from './pii.js';

const hit = (text: string) => detectPii(text).filter((f) => f.severity !== 'info' && f.severity !== 'low');
const kinds = (text: string) => [...new Set(hit(text).map((f) => f.detector))];

describe('MCP10 context over-sharing: personal data is found', () => {
  const cases: [string, string, string][] = [
    ['email at a placeholder domain', 'Contact jane.doe@example.com for access.', 'pii.email'],
    ['email with plus tag', 'reply to ops+alerts@mail.acme.io please', 'pii.email'],
    ['US phone', 'Call me at (415) 555-2671 after 5.', 'pii.phone'],
    ['international phone', 'Mobile: +44 7700 900123', 'pii.phone'],
    ['phone with cue, local format', 'I would like to stop receiving messages to 056 590 36 33', 'pii.phone'],
    ['phone with extension', 'Fax: 345-899-3560x4587', 'pii.phone'],
    ['British spelling of a driving licence label', 'Driving licence no. B4829371 (Ontario)', 'pii.driver-license'],
    ['role label with a colon', 'Passenger: Olumide Bakare, seat 14C', 'pii.person'],
    ['Visa card', 'Card number 4111 1111 1111 1111 exp 12/27', 'pii.credit-card'],
    ['Amex card', 'charged to 378282246310005 yesterday', 'pii.credit-card'],
    ['IBAN', 'Transfer to DE89 3704 0044 0532 0130 00 today', 'pii.iban'],
    ['IBAN compact', 'My IBAN is GB82WEST12345698765432', 'pii.iban'],
    ['US SSN', "Here's my SSN: 536-22-1234", 'pii.ssn'],
    ['UK NINO', 'National Insurance number: AB 12 34 56 C', 'pii.uk-nino'],
    ['IPv4 public', 'login from 203.0.113.77 failed? no: from 81.2.69.160', 'pii.ip'],
    ['IPv4 private', 'the laptop at 192.168.1.23 is mine', 'pii.ip'],
    ['IPv6', 'client 2001:4860:4860::8888 connected', 'pii.ip'],
    ["driver's licence", "My driver's license number is U62928788557186", 'pii.driver-license'],
    ['passport', 'passport number: X12345678', 'pii.passport'],
    ['title + name', 'Hello, this is Dr. Kyle Kuefer. Who are you?', 'pii.person'],
    ['given name + surname', 'Maria Fernández approved the refund.', 'pii.person'],
    ['introduction', 'My name is Eliane', 'pii.person'],
    ['speaker cue', '"We will ship it," says Bergqvist.', 'pii.person'],
    ['lowercase name', 'follow up with benjamin a seiler in a couple of months.', 'pii.person'],
    ['street address (US)', 'She lives at 742 Evergreen Terrace, Springfield.', 'pii.address'],
    ['street address (EU suffix)', 'Meet me at 34151 Nybyvägen 65 Apt. 392', 'pii.address'],
    ['street address (EU prefix)', 'He lives on the north side of Rua Diadema 1903.', 'pii.address'],
    ['military address', 'PSC 2721, Box 8637\nAPO AA 06259', 'pii.address'],
  ];
  it.each(cases)('%s', (_name, text, detector) => {
    expect(kinds(text)).toContain(detector);
  });

  it('spans and labels', () => {
    const text = 'mail me: jane.doe@example.com.';
    const f = hit(text).find((x) => x.detector === 'pii.email')!;
    expect(text.slice(f.start, f.end)).toBe('jane.doe@example.com');
    expect(f).toMatchObject({ category: 'pii', label: 'email' });
  });
});

describe('MCP10 hard negatives: look-alikes that are not personal data', () => {
  const negatives: [string, string][] = [
    ['order number and price', 'Order #753570 contains 4 x ergonomic chair at $99.31 each.'],
    ['version strings', 'Upgraded the package from v2.14.9 to v8.1.0; no breaking changes. Node 20.11.1 required.'],
    ['dotted version that looks like an IP', 'Release 1.2.3.4 is out (build 10.0.19041.1).'],
    ['UUID', 'Request 6ff783ad-697d-49c0-aa04-db68d281f6d4 completed in 404 ms with status 200.'],
    ['commit hash', 'Commit 05cf23ea4ba6b7c7ff8771742a89e43a72279a2b fixes the race condition in the cache layer.'],
    ['log line with timestamp', '[2024-10-15T06:52:49Z] INFO worker-3 processed batch 884 (442 items)'],
    ['ISBN', 'The book has ISBN 978-1-813-90261-5 and is 200 pages long.'],
    ['tracking number', 'Your parcel with tracking number 1Z6CF27042779047 is in transit.'],
    ['organisations only', 'Acme Corp announced a supply agreement with Stark Industries covering 4 product lines.'],
    ['org named after a person', 'Wayne Enterprises and Thomas and Sons signed the deal.'],
    ['law-firm style org', 'Lopez, Santos and Coleman is a design agency based in ESPOO.'],
    ['code', 'for (let i = 0; i < 19; i++) {\n  total += prices[i] * 8;\n}'],
    ['product description', 'The USB-C hub ships in a recycled box. Dimensions 47 x 36 cm, weight 17.4 kg. SKU E3332-92.'],
    ['city and country', "I'm in Miami, at the conference. We moved here from New Zealand."],
    ['date and age', "Please tell me your date of birth. It's 11/3/1995. He just turned 46 years old."],
    ['zip code alone', 'my zip code is 35350'],
    ['capitalised abstract nouns', 'Capitalized words like Wisdom and Discipline are often mistaken with names.'],
    ['URL', "I've shared files with you https://OrthoTraffic.ch/"],
    ['Luhn-invalid 16 digits', 'reference 4111 1111 1111 1112 attached'],
    ['time and meeting', 'Meet me at 10:30 in the lobby.'],
    ['npm package specifier', 'resolution: "strict-uri-encode@npm:2.0.0"'],
    ['four-part version ending a version range', 'Bumped the agent from 3.2.1 to 3.2.1.4 and the kernel to 6.8.0.'],
  ];
  it.each(negatives)('%s', (_name, text) => {
    expect(hit(text)).toEqual([]);
  });
});

describe('identity numbers and dates of birth next to their label (issue #17)', () => {
  const cases: [string, string, string][] = [
    ['Spanish DNI (check letter)', 'DNI: 86003522J', 'pii.national-id-es'],
    ['Dutch BSN (11-test)', 'BSN 778670892', 'pii.national-id-nl'],
    ['Brazilian CPF (check digits)', 'CPF: 446.555.221-19', 'pii.national-id-br'],
    ['Canadian SIN (Luhn)', 'SIN: 046 454 286', 'pii.national-id-ca'],
    ['Italian codice fiscale (check letter)', 'Codice fiscale: RSSMRA85T10A562S', 'pii.national-id-it'],
    ['Indian Aadhaar', 'Aadhaar: 7594 1709 8725', 'pii.national-id-in'],
    ['German tax id', 'Steuer-ID: 65 929 970 489', 'pii.tax-id-de'],
    ['Swedish personnummer', 'Personnummer: 811218-9876', 'pii.national-id-se'],
    ['NHS number (mod 11)', 'NHS number 943 476 5919', 'pii.health-id-uk'],
    ['passport in a snake_case field', 'passport_number: C4J7K2L91', 'pii.passport'],
    ['German passport label', 'Reisepass-Nr. C01X00T47', 'pii.passport'],
    ['date of birth field', 'date_of_birth: 1987-11-23', 'pii.date-of-birth'],
    ['DOB with a US date', 'DOB: 04/17/1979', 'pii.date-of-birth'],
    ['born on a written date', 'She was born on March 3, 1981 in Leeds.', 'pii.date-of-birth'],
    ['lower-case dob field', 'dob=1990-02-28', 'pii.date-of-birth'],
    ['labelled address in French', 'Adresse: 12 rue de la Paix, 75002 Paris', 'pii.address'],
    ['labelled billing address', 'billing_address: 55 Queen St W, Toronto, ON M5H 2M9', 'pii.address'],
    ['name in a full_name field', 'full_name="Oluwaseun Bakare"', 'pii.person'],
    ['name after Cardholder:', 'Cardholder: Nkechi Obi', 'pii.person'],
    ['German phone label', 'Telefon: 0176 12345678', 'pii.phone'],
  ];
  it.each(cases)('%s', (_name, text, detector) => {
    expect(detectPii(text).map((f) => f.detector)).toContain(detector);
  });
  const negatives: [string, string][] = [
    ['DNI with a wrong check letter', 'DNI: 86003522K'],
    ['BSN failing the 11-test', 'BSN 778670893'],
    ['CPF with wrong check digits', 'CPF: 446.555.221-18'],
    ['SIN failing Luhn', 'SIN: 046 454 287'],
    ['"sin" in Spanish prose', 'sin 123 456 789 problemas'],
    ['a release date is not a birth date', 'Release date: 2024-06-01'],
    ['a product code with digits is not a phone', 'Model number XJ-9000-4455-21 with serial batch 20240611'],
    ['a listen address is not a postal address', 'listen_address: localhost:8080'],
    ['an IP address field', 'IP address: 0.0.0.0'],
    ['a memory address', 'Fault at address: 0x7ffe1234 (offset 12)'],
    ['a MAC address', 'MAC address: 00:1A:2B:3C:4D:5E'],
    ['address in a sentence, no field', 'The address space grows by 4096 bytes per page.'],
    ['a field name without a person', 'full_name: string (max 120 characters)'],
  ];
  it.each(negatives)('%s', (_name, text) => {
    const ids = detectPii(text).filter((f) => f.severity !== 'low' && f.severity !== 'info');
    expect(ids).toEqual([]);
  });
});

describe('challenge8 classes (issue #17): formats and languages the rules missed', () => {
  const positives: [string, string, string][] = [
    ['FR phone in five dotted pairs, no cue word', 'Vous pouvez joindre Paul au 06.14.18.78.29.', 'pii.phone'],
    ['FR phone in five spaced pairs, no cue word', 'Vous pouvez joindre Paul au 06 14 18 78 29.', 'pii.phone'],
    ['street name, comma, house number (ES)', '{"address":"Calle Sierpes, 12, 3º A, 41004 Sevilla"}', 'pii.address'],
    ['street name, comma, house number (PT)', 'new address "Rua Augusta, 84, 3º Esq., 1100-053 Lisboa"', 'pii.address'],
    ['Catalan street prefix', 'Avinguda Diagonal, 222, 9º A, 28012 Madrid', 'pii.address'],
    ['house number, comma, lower-case street word (FR)', '{"address":"96, boulevard Voltaire, 69007 Lyon"}', 'pii.address'],
    ['house number, lower-case street word (FR)', '12 rue des Tanneurs, 69007 Lyon', 'pii.address'],
    ['DOB: German "geb. am" and a month name', 'geb. am 14. September 1987', 'pii.date-of-birth'],
    ['DOB: French "née le" and a French month', 'née le 16 avril 1993', 'pii.date-of-birth'],
    ['DOB: Spanish "11 de marzo de 1966"', 'Fecha de nacimiento: 11 de marzo de 1966', 'pii.date-of-birth'],
    ['DOB: Italian month', 'nato il 3 giugno 1971', 'pii.date-of-birth'],
    ['DOB in a JSON field (quote before the colon)', '{"birthDate":"1987-03-02"}', 'pii.date-of-birth'],
    ['BSN with "nummer" after the label', 'BSN-nummer: 7649.61.913', 'pii.national-id-nl'],
    ['Belgian national register number (mod 97)', 'Rijksregisternummer 85.07.30-033.28', 'pii.national-id-be'],
    ['Belgian national register number, born 2000 or later', 'INSZ: 05.07.30-033.26', 'pii.national-id-be'],
    ['Spanish NIE with a Z prefix', 'NIE: Z4729315Z', 'pii.national-id-es'],
  ];
  it.each(positives)('%s', (_name, text, kind) => {
    expect(kinds(text)).toContain(kind);
  });
  const negatives: [string, string][] = [
    ['a date after an address cue', 'The meeting moved to 2 July 2027 at 14:00.'],
    ['a German invoice number after "Nr."', 'Rechnung Nr. 2026-829603 vom 03.11.2026'],
    ['a Luhn-valid serial number after S/N', 'serial number: S/N 502162483015'],
    ['an SSH remote is not an email', 'git@github.com:acme/infra.git'],
    ['"via" + a carrier is not a street', 'Parcel 3 via DHL Express, arriving Monday.'],
    ['a lower-case city list after a number', 'Top 3, cities in Europe'],
    ['a wrong Belgian check number', 'Rijksregisternummer 85.07.30-033.27'],
    ['five pairs that start with 00 (not a national number)', 'checksum 00 14 18 78 29'],
  ];
  it.each(negatives)('%s', (_name, text) => {
    expect(hit(text)).toEqual([]);
  });
});

describe('validators', () => {
  it('Luhn and IIN ranges', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(cardNetwork('378282246310005')).toBe('amex');
    expect(cardNetwork('5555555555554444')).toBe('mastercard');
    expect(cardNetwork('9999999999999999')).toBeUndefined();
  });
  it('IBAN mod 97 and country length', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
    expect(ibanValid('GB82WEST123456987654')).toBe(false);
  });
  it('SSN area / group / serial rules', () => {
    expect(ssnValid('536', '22', '1234')).toBe(true);
    expect(ssnValid('000', '22', '1234')).toBe(false);
    expect(ssnValid('666', '22', '1234')).toBe(false);
    expect(ssnValid('912', '22', '1234')).toBe(false);
    expect(ssnValid('536', '00', '1234')).toBe(false);
    expect(ssnValid('536', '22', '0000')).toBe(false);
  });
});

describe('linear time on adversarial input', () => {
  const units = ['a@', '@b.co ', '1 ', '1-', '+1 (', '4111 ', 'GB82 ', 'Aa ', 'Dr. ', 'Anna ', 'lives at 12 ', 'Apt 1 ', '::', 'a1:', '1.1.', 'PSC 1', 'Str 12 ', 'ö', 'ÄÖ ', 'my name is ',
    // labelled identity numbers (issue #17)
    'DNI 1', 'passport number: A1', 'date of birth: 1', 'DOB 12/', 'national id 12 ', 'codice fiscale RSSMRA8', 'SIN 123 ', 'aadhaar 2345 ', 'XJ-9000-',
    'address: 1 ', 'Adresse: a1 ', 'full_name: Ab ', 'surname: ', 'Cardholder: Ann Lee ',
    // challenge8 classes
    '12, rue ', '1 rue A', 'Calle A, 1', 'A, 1', 'née le 1', 'geb. am 1. ', '1 de marzo de ', 'moved to 1 July ', '06.14.', '06 14 ', 'git@a.b:', 'BSN-nummer: 1', 'INSZ 1'];
  for (const u of units) {
    it(`1 MiB of ${JSON.stringify(u)} repeated`, () => {
      expectLinearTime(detectPii, u);
    });
  }
});

const SHARED = sharedCorpus('pii.jsonl');
describe.skipIf(!SHARED)('shared dev corpus (pii.jsonl)', () => {
  it('F1 ≥ 0.85', () => {
    const { tp, fp, fn } = scoreCorpus<{ text: string; labels: string[] }>(SHARED!, (rec) => ({ gold: rec.labels.includes('pii'), pred: hit(rec.text).length > 0 }));
    const p = tp / (tp + fp);
    const r = tp / (tp + fn);
    expect((2 * p * r) / (p + r)).toBeGreaterThanOrEqual(0.85);
  });
});

it('does not throw on a capitalised word with a hyphen at the very end of the text', () => {
  expect(() => detectPii('Please ask Smith-')).not.toThrow();
  expect(() => detectPii('Anna-')).not.toThrow();
});

it('finds IBAN and IPv6 candidates packed together', () => {
  const text = 'GB82WEST12345698765432 DE89 3704 0044 0532 0130 00, fe80::1 2001:db8::8a2e:370:7334 ::1';
  const kinds = detectPii(text).map((f) => `${f.detector}:${text.slice(f.start, f.end)}`);
  expect(kinds).toEqual(expect.arrayContaining(['pii.iban:GB82WEST12345698765432', 'pii.iban:DE89 3704 0044 0532 0130 00', 'pii.ip:2001:db8::8a2e:370:7334']));
});

it('is registered as a TextDetector with id "pii"', () => {
  expect(piiDetector.id).toBe('pii');
});
