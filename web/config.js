// The API endpoints and the Cognito user pool the site page uses. Empty values mean
// "not configured". Written from the deployed stacks by:
//   python generate.py web-config --stack-name NAME
export default Object.freeze({
  mysfitsApiEndpoint: "",
  streamingApiEndpoint: "",
  cognitoRegion: "",
  cognitoUserPoolId: "",
  cognitoUserPoolClientId: "",
  cognitoEndpoint: "",
  signedInClicks: false,
});
