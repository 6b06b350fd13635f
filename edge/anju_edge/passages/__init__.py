"""Vehicle passage records (智能卡口): the box's queue of them (``store``) and the worker that
sends it to the gateway (``uplink``), both idle unless the gateway switched the compound on."""
