// (CommonJS, so that NODE_PATH finds the SDK in .stack/node.) The AWS JS SDK v3 with `aws-login -o js` as a client's credentials (JSON on stdin; JSON has no
// dates, so `expiration` becomes one). Prints the caller's ARN.
const { readFileSync } = require("node:fs");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

(async () => {
  const creds = JSON.parse(readFileSync(0, "utf8"));
  const client = new STSClient({
    region: "us-east-1",
    endpoint: process.env.AWS_ENDPOINT_URL_STS,
    credentials: { ...creds, expiration: new Date(creds.expiration) },
  });
  const out = await client.send(new GetCallerIdentityCommand({}));
  console.log(out.Arn);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
