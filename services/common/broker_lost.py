"""What talking to a broker that went away raises: a socket error, kombu's
OperationalError, or py-amqp's connection errors. A broker that shuts down (a restart,
an upgrade) first closes each connection with CONNECTION_FORCED, which py-amqp raises as
amqp.exceptions.ConnectionForced: no OSError, no kombu error. A loop that reconnects
catches all of them, or a broker restart kills it."""
import amqp.exceptions
import kombu.exceptions

BROKER_LOST = (OSError, kombu.exceptions.OperationalError, amqp.exceptions.ConnectionError)
