// A long job on the AWS JS SDK v3 with the local credentials server: fromContainerMetadata reads
// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN. Calls STS until it has
// used three different keys (two refreshes), failing if any key it holds has expired.
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const { fromContainerMetadata } = require("@aws-sdk/credential-providers");

(async () => {
  const provider = fromContainerMetadata({ timeout: 2000, maxRetries: 1 });
  let held;
  const credentials = async () => {
    held = await provider();
    return held;
  };
  const client = new STSClient({ region: "us-east-1", endpoint: process.env.AWS_ENDPOINT_URL_STS, credentials });
  const keys = new Set();
  const deadline = Date.now() + 120_000;
  while (keys.size < 3) {
    if (Date.now() > deadline) throw new Error(`only ${keys.size} keys in 120 s`);
    const out = await client.send(new GetCallerIdentityCommand({}));
    if (!(held.expiration > new Date())) throw new Error(`used an expired key, expiring ${held.expiration}`);
    if (!out.Arn.startsWith("arn:aws:sts::111122223333:assumed-role/Developer/")) throw new Error(out.Arn);
    keys.add(held.accessKeyId);
    await new Promise((r) => setTimeout(r, 500)); // pacing for the loop, not synchronisation
  }
  console.log(`${keys.size} keys`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
