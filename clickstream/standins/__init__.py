"""Stand-ins for the services this stack talks to but does not own, each following the real
service's contract as read from its source or documentation. Every test and the local runner
use these; none keeps its own copy."""
