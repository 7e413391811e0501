// (CommonJS, so that NODE_PATH finds the SDK in .stack/node.) The AWS JS SDK v3's fromProcess: runs the profile's credential_process (aws-login) itself.
// Prints the caller's ARN.
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const { fromProcess } = require("@aws-sdk/credential-providers");

(async () => {
  const client = new STSClient({
    region: "us-east-1",
    endpoint: process.env.AWS_ENDPOINT_URL_STS,
    credentials: fromProcess({ profile: process.argv[2] }),
  });
  const out = await client.send(new GetCallerIdentityCommand({}));
  console.log(out.Arn);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
