package org.gregorkafka.compat.spring;

/** An order, the JSON value of the records on the orders topic. */
public record Order(String id, int quantity) {}
