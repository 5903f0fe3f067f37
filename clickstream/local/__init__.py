"""Run the click-streaming stack on this machine, from the generated CloudFormation template."""
