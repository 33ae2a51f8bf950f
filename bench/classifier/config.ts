// Fixed choices shared by run.ts and calibrate.ts. Nothing here is tuned on test labels.

/** Seed of the 70/30 split and of the online order. */
export const SEED = 20261123;
export const TRAIN_SHARE = 0.7;

/**
 * The corpus's receiving side: the collector's own mail servers (Justin Mason's jmason.org,
 * netnoteinc.com, slashnull.org, his provider webnote.net, and the anonymized forms the corpus
 * uses for them, zzzzason.org and spamassassin.taint.org). Received hops added by these hosts
 * describe how the collector fetched his mail, which differs between the ham and spam folders by
 * collection date, not by message. A help desk passes its own MX hosts here the same way.
 * Found by reading the Received chains (by-hosts common to every folder), not from labels.
 */
export const TRUSTED_HOSTS = ['jmason.org', 'zzzzason.org', 'netnoteinc.com', 'slashnull.org', 'webnote.net', 'spamassassin.taint.org', 'lerctr.org'];
