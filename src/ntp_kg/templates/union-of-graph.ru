# Copy the triples of named graph ?g into the default graph (the default graph then holds each
# triple once, however many graphs hold it): how an in-memory store is given the union of its
# graphs as a set (union_view.hold_union). ?g is bound to one graph's IRI before it runs.
INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }
