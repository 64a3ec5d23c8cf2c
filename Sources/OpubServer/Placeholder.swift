// OpubServer
