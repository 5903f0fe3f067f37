// The two API endpoints the site page calls. Empty values mean "not configured".
// Written from the deployed stack by: python generate.py web-config --stack-name NAME
export default Object.freeze({
  mysfitsApiEndpoint: "",
  streamingApiEndpoint: "",
});
