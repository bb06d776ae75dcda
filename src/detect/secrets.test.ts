/**
 * MCP01 (token / secret exposure): provider formats, private keys, JWTs, connection strings,
 * generic assignments, and the near misses that must stay quiet.
 *
 * Sample tokens are assembled at run time from a seeded generator so that this file does not
 * itself look like a leak to secret scanners.
 */
import { describe, expect, it } from 'vitest';
import { expectLinearTime, scoreCorpus, sharedCorpus } from '../../test/helpers/detect.js';
import { crc32, detectSecrets, githubChecksumValid, jwtHeaderValid, secretsDetector, shannonEntropy } from './secrets.js';

let seed = 42;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
function r(n: number, alphabet = ALNUM): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  return s;
}
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function githubToken(prefix: string): string {
  const body = r(30);
  let n = crc32(body);
  let c = '';
  while (n > 0) {
    c = B62[n % 62] + c;
    n = Math.floor(n / 62);
  }
  return `${prefix}_${body}${c.padStart(6, '0')}`;
}
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '1234567890', name: 'x', iat: 1516239022 })}.${r(43)}`;

const hit = (text: string) => detectSecrets(text).filter((f) => f.severity !== 'info' && f.severity !== 'low');
const detectors = (text: string) => hit(text).map((f) => f.detector);

describe('challenge families', () => {
  it('a literal piped into a login that reads the password from stdin', () => {
    expect(detectors(`echo '${r(10)}#${r(8)}' | podman login quay.io -u robot --password-stdin`)).toContain('secrets.cli-flag-credential');
    expect(hit('echo "$REGISTRY_PASSWORD" | docker login ghcr.io -u me --password-stdin')).toEqual([]);
  });
  it('word placeholders in auth headers and HTML attribute lists are not secrets', () => {
    expect(hit("headers = {'Authorization': 'Bearer expired-access-token'}")).toEqual([]);
    expect(hit('<input name="pw" placeholder="Choose a password" autocomplete="new-password" minlength="12">')).toEqual([]);
  });
});

describe('challenge8 classes (issue #17): keyword-and-value forms and key blocks the rules missed', () => {
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const positives: [string, string][] = [
    ['a random token with a dot in it (not a dotted identifier)', `'api.secret' => 'Xq${r(4)}.y${r(23)}',`],
    ['a dotted token as a password', `spring.mail.masterpassword = R${r(5)}.pu${r(22)}`],
    ['a dotted token in an API-key header', `X-API-Key: hck${r(3)}.Nc${r(22)}`],
    ['hex that measures under 3.3 bits per character', `"sessionSecret": "fd7c8063cdffcc590ff8afcd"`],
    ['fish shell: set -x with a quoted value', `set -x SIGNING_SECRET "${r(8)}*${r(8)}"`],
    ['Rust: a typed binding (&str)', `let AppSecretKey: &str = "${r(10)}-${r(8)}";`],
    ["Rust: &'static str", `static API_TOKEN: &'static str = "${r(30)}";`],
    ['a markdown table row', `| name | value |\n|---|---|\n| refresh_token | ${r(7)}~${r(8)} |\n| region | eu-north-1 |`],
    ['Terraform variable default', `variable "AUTH_TOKEN" {\n  type    = string\n  default = "${r(24, HEX)}"\n}`],
    ['an Ed25519 PKCS#8 private key (48 base64 characters)', `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI${r(27, b64)}\n-----END PRIVATE KEY-----`],
  ];
  it.each(positives)('%s', (_name, text) => {
    expect(hit(text).length).toBeGreaterThan(0);
  });
  const negatives: [string, string][] = [
    ['a #{…} template reference', '$env:COOKIE_SECRET = "#{vault.db.password}"'],
    ['an HTML attribute list after type="password"', '<input type="password" name="password" autocomplete="current-password" placeholder="Password" required>'],
    ['a dotted identifier value', 'auth.provider.secret = Ed25519.BlindKeySignatures'],
    ['a markdown table describing settings', '| Variable | Default |\n|---|---|\n| `DB_PASSWORD` | *(none)* |\n| api_key | Your API key from the dashboard |'],
    ['a Terraform variable without a default', 'variable "db_password" {\n  type      = string\n  sensitive = true\n}'],
    ['a short PEM body that is a placeholder', '-----BEGIN PRIVATE KEY-----\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n-----END PRIVATE KEY-----'],
    ['hex with letters only from a..f rarely (a hash id) is not a secret without a key word', `build ${r(24, HEX)}`],
  ];
  it.each(negatives)('%s', (_name, text) => {
    expect(hit(text)).toEqual([]);
  });
});

describe('MCP01 token/secret exposure: provider formats', () => {
  const cases: [string, string, string][] = [
    ['AWS access key id', `aws_access_key_id = ${'AKIA' + r(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`, 'secrets.aws-access-key'],
    ['AWS secret access key', `aws_secret_access_key = ${r(40)}`, 'secrets.generic-api-key'],
    ['GCP API key', `const key = "${'AIza' + 'Sy' + r(33)}";`, 'secrets.gcp-api-key'],
    ['Google OAuth client secret', `client_secret: ${'GOCSPX-' + r(28)}`, 'secrets.google-oauth-client-secret'],
    ['Azure AD client secret', `AZURE_CLIENT_SECRET=${r(3)}8Q~${r(34)}`, 'secrets.azure-ad-client-secret'],
    ['Azure storage key', `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${r(86)}==;EndpointSuffix=core.windows.net`, 'secrets.azure-storage-key'],
    ['GitHub PAT (checksum)', `token: ${githubToken('ghp')}`, 'secrets.github-token'],
    ['GitHub OAuth token', `export GH=${githubToken('gho')}`, 'secrets.github-token'],
    ['GitHub fine-grained PAT', `GITHUB_TOKEN=${'github_pat_' + r(22) + '_' + r(59)}`, 'secrets.github-fine-grained-pat'],
    ['GitLab PAT', `PRIVATE-TOKEN: ${'glpat-' + r(20)}`, 'secrets.gitlab-token'],
    ['Slack bot token', `SLACK_BOT_TOKEN=${'xoxb-' + r(12, '0123456789') + '-' + r(13, '0123456789') + '-' + r(24)}`, 'secrets.slack-token'],
    ['Slack webhook', `https://${'hooks.slack.com'}/services/T${r(8, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/B${r(8, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/${r(24)}`, 'secrets.slack-webhook-url'],
    ['Stripe live key', `stripe.api_key = "${'sk_' + 'live_' + r(24)}"`, 'secrets.stripe-key'],
    ['Stripe webhook secret', `STRIPE_WEBHOOK_SECRET=${'whsec_' + r(32)}`, 'secrets.stripe-key'],
    ['Twilio API key', `TWILIO_API_KEY=${'SK' + r(32, HEX)}`, 'secrets.twilio-api-key'],
    ['SendGrid key', `SENDGRID_API_KEY=${'SG.' + r(22) + '.' + r(43)}`, 'secrets.sendgrid-api-key'],
    ['OpenAI project key', `OPENAI_API_KEY=${'sk-proj-' + r(40) + 'T3BlbkFJ' + r(40)}`, 'secrets.openai-api-key'],
    ['OpenAI legacy key', `openai.api_key = '${'sk-' + r(20) + 'T3BlbkFJ' + r(20)}'`, 'secrets.openai-api-key'],
    ['Anthropic key', `ANTHROPIC_API_KEY=${'sk-ant-api03-' + r(93) + 'AA'}`, 'secrets.anthropic-api-key'],
    ['Groq key', `GROQ_API_KEY=${'gsk_' + r(52)}`, 'secrets.groq-api-key'],
    ['Hugging Face token', `huggingface-cli login --token ${'hf_' + r(34, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}`, 'secrets.huggingface-token'],
    ['OpenRouter key', `OPENROUTER_API_KEY=${'sk-or-v1-' + r(64, HEX)}`, 'secrets.openrouter-api-key'],
    ['npm token', `//registry.npmjs.org/:_authToken=${'npm_' + r(36)}`, 'secrets.npm-token'],
    ['PyPI token', `password = ${'pypi-' + 'AgEIcHlwaS5vcmc' + r(70)}`, 'secrets.pypi-token'],
    ['Docker Hub PAT', `echo ${'dckr_pat_' + r(27)} | docker login -u me --password-stdin`, 'secrets.docker-hub-token'],
    ['Vault token', `VAULT_TOKEN=${'hvs.' + r(95)}`, 'secrets.hashicorp-vault-token'],
    ['Terraform Cloud token', `token = "${r(14)}.atlasv1.${r(67)}"`, 'secrets.terraform-cloud-token'],
    ['DigitalOcean PAT', `DO_TOKEN=${'dop_v1_' + r(64, HEX)}`, 'secrets.digitalocean-token'],
    ['Shopify token', `SHOPIFY_TOKEN=${'shpat_' + r(32, HEX)}`, 'secrets.shopify-token'],
    ['Linear key', `LINEAR=${'lin_api_' + r(40)}`, 'secrets.linear-api-key'],
    ['Databricks token', `DATABRICKS_TOKEN=${'dapi' + r(32, HEX)}`, 'secrets.databricks-token'],
    ['Telegram bot token', `bot = Bot("${r(9, '123456789')}:AA${r(33)}")`, 'secrets.telegram-bot-token'],
    ['JWT', `Authorization: Bearer ${jwt}`, 'secrets.jwt'],
    ['RSA private key', `-----BEGIN RSA PRIVATE KEY-----\n${r(64)}\n${r(64)}\n${r(64)}\n-----END RSA PRIVATE KEY-----`, 'secrets.private-key'],
    ['private key in JSON (service account)', `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n${r(64)}\\n${r(64)}\\n-----END PRIVATE KEY-----\\n"}`, 'secrets.private-key'],
    ['OpenSSH private key', `-----BEGIN OPENSSH PRIVATE KEY-----\n${r(70)}\n${r(70)}\n-----END OPENSSH PRIVATE KEY-----`, 'secrets.private-key'],
    ['postgres URL', `DATABASE_URL=postgres://app:${r(16)}@db.internal:5432/app`, 'secrets.connection-string-password'],
    ['mongodb+srv URL', `mongodb+srv://admin:${r(12)}@cluster0.mongodb.net/test`, 'secrets.connection-string-password'],
    ['redis URL password only', `REDIS_URL=redis://:${r(20)}@cache:6379/0`, 'secrets.connection-string-password'],
    ['AMQP URL', `amqp://guest2:${r(14)}@rabbit:5672/`, 'secrets.connection-string-password'],
    ['generic api_key', `api_key = "${r(32)}"`, 'secrets.generic-api-key'],
    ['password assignment', `DB_PASSWORD=Tr0ub4dor&3x!`, 'secrets.password-assignment'],
    ['curl basic auth', `curl -u admin:${r(12)} https://api.example.com/v1`, 'secrets.curl-basic-auth'],
    ['Authorization header token', `curl -H "Authorization: Token ${r(40, HEX)}" https://x.test`, 'secrets.authorization-header'],
  ];
  it.each(cases)('%s', (_name, text, detector) => {
    expect(detectors(text)).toContain(detector);
  });

  it('spans cover the secret value and carry a redaction label', () => {
    const key = 'sk_' + 'live_' + r(24);
    const text = `config: STRIPE=${key} # prod`;
    const f = hit(text).find((x) => x.detector === 'secrets.stripe-key')!;
    expect(text.slice(f.start, f.end)).toBe(key);
    expect(f.label).toBe('stripe-key');
    expect(f.category).toBe('secret');
    expect(f.message).not.toContain(key);
  });
});

describe('candidate tokens (the skip search over long runs)', () => {
  const aws = 'AKIA' + r(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
  it.each([' ', '"', '=', ':', '/', '(', '-', '.', '--', '.-~$', '\n'])('a token after %j starts at the token', (sep) => {
    for (const before of ['', 'x', 'word', 'a.b', 'abcdefghij']) {
      const text = `${before}${sep}${aws} tail`;
      const f = hit(text).find((x) => x.detector === 'secrets.aws-access-key');
      // a body run (letters, digits, _ - . ~ $) glued in front makes the token start earlier: no match
      const glued = /^[\w.~$-]+$/.test(sep) && /^[\w.~$-]+$/.test(before.slice(-1)) && before !== '' && /[A-Za-z0-9_]/.test(before);
      if (glued) expect(f).toBeUndefined();
      else expect(text.slice(f!.start, f!.end)).toBe(aws);
    }
  });
  it('finds tokens at the very start and end of the text, and many in a row', () => {
    expect(detectors(aws)).toContain('secrets.aws-access-key');
    const many = Array.from({ length: 5 }, () => 'AKIA' + r(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'));
    expect(hit(many.join(' ')).filter((f) => f.detector === 'secrets.aws-access-key')).toHaveLength(5);
    expect(hit(`short words ${many.join(', ')}.`).filter((f) => f.detector === 'secrets.aws-access-key')).toHaveLength(5);
  });
  it('an 8-character digit-led candidate after a short run (telegram token)', () => {
    const tok = `${r(9, '123456789')}:AA${r(33)}`;
    expect(detectors(`a b c ${tok}`)).toContain('secrets.telegram-bot-token');
  });
  it('key words in any case still start generic assignments', () => {
    for (const k of ['API_KEY', 'Secret', 'x-Auth-Token', 'db_PassWord', 'SESSION_SECRET', 'Credentials']) {
      expect(hit(`${k} = "${r(32)}"`).length, k).toBeGreaterThan(0);
    }
  });
});

describe('issue #17 families: values without a provider prefix', () => {
  const pw = () => `${r(6)}#${r(5)}!${r(3)}`;
  const cases: [string, string][] = [
    ['localized key (German)', `Passwort: ${pw()}`],
    ['localized key (Spanish, non-ASCII)', `contraseña = "${pw()}"`],
    ['localized key (Polish, non-ASCII)', `hasło = ${pw()}`],
    ['localized key (Russian)', `пароль: ${pw()}`],
    ['redis-style blank-separated setting', `requirepass ${pw()}\nmaxmemory 2gb`],
    ['blank-separated client secret', `client_secret    ${r(40)}`],
    ['fish shell set -x', `set -x API_TOKEN ${r(32)}`],
    ['value stated in prose', `Your API key is ${r(32)}`],
    ['question mark in a bare value', `MAILER_PASSWORD=2s%SpL${r(8)}?iK#`],
    ['letters in random case', `API_KEY = "${r(32, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}"`],
    ['requests auth tuple', `auth = ("admin", "${pw()}")`],
    ['private JWK', JSON.stringify({ kty: 'EC', crv: 'P-256', x: r(43), y: r(43), d: r(43) })],
    ['wallet recovery phrase', 'mnemonic: "abandon ability able about above absent absorb abstract absurd abuse access accident"'],
    ['token glued to a word', `hello${githubToken('ghp')} please rotate`],
    ['token split across concatenated literals', (() => { const t = githubToken('ghp'); return `const t = "${t.slice(0, 20)}" +\n  "${t.slice(20)}";`; })()],
    ['token split across adjacent literals', (() => { const t = 'xoxb-' + r(12, '0123456789') + '-' + r(13, '0123456789') + '-' + r(24); return `SLACK="${t.slice(0, 25)}""${t.slice(25)}"`; })()],
  ];
  it.each(cases)('%s', (_name, text) => {
    expect(hit(text).length).toBeGreaterThan(0);
  });
  it('a split token is reported over its whole extent, joins included (redaction covers every piece)', () => {
    const t = githubToken('ghp');
    const text = `x = "${t.slice(0, 20)}" + "${t.slice(20)}"; y = 1`;
    const f = hit(text).find((x) => x.detector === 'secrets.github-token')!;
    expect(text.slice(f.start, f.end)).toBe(`${t.slice(0, 20)}" + "${t.slice(20)}`);
  });
  it('a glued token is reported from its prefix', () => {
    const t = githubToken('ghp');
    const f = hit(`hello${t} x`).find((x) => x.detector === 'secrets.github-token')!;
    expect([f.start, f.end]).toEqual([5, 5 + t.length]);
  });
  const negatives: [string, string][] = [
    ['sequential digits', 'password: 12345678'],
    ['localized placeholder', 'contraseña: <tu-contraseña>'],
    ['masked localized', 'Passwort: ********'],
    ['prose without a value', 'The password is required for every login.'],
    ['blank-separated word', 'requirepass foobared'],
    ['blank-separated key in a sentence', 'We rotate the client_secret   every quarter'],
    ['public JWK', JSON.stringify({ kty: 'EC', crv: 'P-256', x: r(43), y: r(43) })],
    ['a "d" member without kty', JSON.stringify({ d: r(43), e: 'AQAB' })],
    ['printf slot', 'password = "%s"'],
    ['ordinary words after a phrase label', 'passphrase: use a long one with some words in it please'],
  ];
  it.each(negatives)('%s', (_name, text) => {
    expect(hit(text)).toEqual([]);
  });
});

describe('MCP01 hard negatives (placeholders, low entropy, examples)', () => {
  const negatives: [string, string][] = [
    ['AWS documented example key', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
    ['placeholder x-run', 'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
    ['env reference', 'api_key = "${OPENAI_API_KEY}"'],
    ['template', 'password: {{ .Values.db.password }}'],
    ['angle placeholder', 'Authorization: Bearer <your-token-here>'],
    ['your-key placeholder', 'api_key = "your-api-key-goes-here"'],
    ['masked', 'token: ****************'],
    ['key id is not a key', 'kms_key_id: "555ea4a3-d53a-4412-9c66-3a7cb667b0d6"'],
    ['public key', 'publicKey = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"'],
    ['token endpoint', 'token_url = "https://auth.example.com/oauth/token"'],
    ['version string', 'api_version = 2024-10-01'],
    ['max tokens', 'max_tokens = 4096'],
    ['words', 'password: required'],
    ['sequential alphabet', 'const keyChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"'],
    ['commit hash in prose', 'Commit 05cf23ea4ba6b7c7ff8771742a89e43a72279a2b fixes the race condition.'],
    ['uuid request id', 'Request 6ff783ad-697d-49c0-aa04-db68d281f6d4 completed in 404 ms.'],
    ['empty private key', '-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----'],
    ['public key block', `-----BEGIN PUBLIC KEY-----\n${'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'.repeat(3)}\n-----END PUBLIC KEY-----`],
    ['connection string placeholder', 'postgres://user:password@localhost:5432/db'],
    ['connection string variable', 'postgres://${DB_USER}:${DB_PASS}@db:5432/app'],
    ['curl with variables', 'curl -u "$USER:$PASS" https://example.com'],
    ['docs sentence', 'Set the API key in your environment before running the tool.'],
    ['JWT-looking non-JWT', 'eyJub3RhIjoiand0In0.eyJub3RhIjoiand0In0.c2lnbmF0dXJlc2lnbmF0dXJl is not a token header'],
    ['npm package specifier', '"strict-uri-encode@npm:^2.0.0"'],
  ];
  it.each(negatives)('%s', (_name, text) => {
    expect(hit(text)).toEqual([]);
  });
});

describe('validators', () => {
  it('GitHub token checksum (CRC32, base62)', () => {
    const t = githubToken('ghp');
    expect(githubChecksumValid(t)).toBe(true);
    const bad = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
    expect(githubChecksumValid(bad)).toBe(false);
    const good = detectSecrets(`x ${t}`)[0]!;
    const weak = detectSecrets(`x ${bad}`)[0]!;
    expect(good.score).toBeGreaterThan(weak.score);
  });
  it('JWT header must decode to JSON naming an alg', () => {
    expect(jwtHeaderValid(jwt)).toBe(true);
    expect(jwtHeaderValid(`${b64url({ foo: 1 })}.${b64url({ a: 1 })}.sig`)).toBe(false);
  });
  it('entropy', () => {
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
    expect(shannonEntropy('abcdefgh')).toBeCloseTo(3, 5);
  });
});

describe('linear time on adversarial input', () => {
  const units = [
    'ghp_', 'key=', 'password: ', '-----BEGIN RSA PRIVATE KEY-----', 'postgres://a:', '://', 'Q~', 'xoxb-1', 'eyJ', 'AKIA',
    'sk-', 'aaaaaaaaaaaaaaaaaaaa', 'curl -u ', 'Authorization: ', 'Bearer ', 'sumo', ' = "', '\\n', '0123456789|', 'AccountKey=', '-us1',
    // anchors and rules added for issue #17
    '"kty":"EC","d":"' + 'Ab1_'.repeat(6) + '",', '"d":"' + 'Ab1_'.repeat(6) + '",', 'mnemonic: ', 'abandon ', 'seed phrase: abc ',
    '"ghp_abc" + ', '"ghp_abcdefghij"\n', 'helloghp_', 'xghp_' + 'a'.repeat(36) + ' ', 'xoxb-1"', 'requirepass ', '\nclient_secret\t', 'password is ',
    'auth = ("a", ', 'passwort: ', 'contraseña=', 'пароль: ', 'パスワード：', 'set -x API_TOKEN ', '$env:API_KEY = ', '--',
    // challenge8 classes
    '| password | ', '|password|', 'variable "password" {', 'variable "token" { default = "', 'set -x TOKEN "', ': &\'static str = "', 'a.b7c ',
    '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI',
  ];
  for (const u of units) {
    it(`1 MiB of ${JSON.stringify(u)} repeated`, () => {
      expectLinearTime(detectSecrets, u);
    });
  }
});

const SHARED = sharedCorpus('secrets.jsonl');
describe.skipIf(!SHARED)('shared dev corpus (secrets.jsonl)', () => {
  it('recall ≥ 0.95 at precision ≥ 0.95', () => {
    const { tp, fp, fn } = scoreCorpus<{ text: string; labels: string[] }>(SHARED!, (rec) => ({ gold: rec.labels.includes('secret'), pred: hit(rec.text).length > 0 }));
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.95);
    expect(tp / (tp + fp)).toBeGreaterThanOrEqual(0.95);
  });
});

it('is registered as a TextDetector with id "secrets"', () => {
  expect(secretsDetector.id).toBe('secrets');
});

describe('keyword-and-value settings across config shapes (issue 17)', () => {
  const found = (t: string): boolean => detectSecrets(t).some((f) => f.severity !== 'low' && f.severity !== 'info');
  it.each([
    ['k8s env list', `env:\n  - name: STRIPE_SECRET\n    value: "${r(20)}"`],
    ['k8s env list, key-named', `- name: WEBHOOK_SIGNING_KEY\n  value: "-c+${r(15)}"`],
    ['JSON name/value pair', `[{"name": "DB_PASSWORD", "value": "${r(6)}#${r(7)}"}]`],
    ['Hadoop XML', `<property>\n  <name>fs.s3a.secret.key</name>\n  <value>${r(32)}</value>\n</property>`],
    ['driver-suffixed connection string', `sqlalchemy.url = postgresql+psycopg2://etl:${r(5)}!${r(6)}@db/warehouse`],
    ['net use password', `net use Z: \\\\files\\share /user:CORP\\svc_backup ${r(4)}!${r(6)}`],
  ])('finds %s', (_n, t) => {
    expect(found(t)).toBe(true);
  });
  it.each([
    ['k8s env list from a secret ref', '- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password'],
    ['k8s env list, placeholder', '- name: API_TOKEN\n  value: "<your-token>"'],
    ['k8s env list, not a credential', '- name: LOG_LEVEL\n  value: "debug-verbose-2"'],
    ['sops-encrypted value', 'password: ENC[AES256_GCM,data:Tr8v2Q==,iv:abc,tag:def,type:str]'],
    ['Ansible vault tag', 'db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3338306432643961'],
    ['net use prompting for the password', 'net use Z: \\\\files\\share /user:CORP\\svc_backup *'],
    ['connection string with a placeholder', 'sqlalchemy.url = mysql+pymysql://user:${DB_PASS}@db/reports'],
  ])('ignores %s', (_n, t) => {
    expect(found(t)).toBe(false);
  });
});
