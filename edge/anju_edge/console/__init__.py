"""The gate console (门岗控制台): served by the edge box on the compound's LAN, so it keeps
working while the uplink to the precinct is down."""
