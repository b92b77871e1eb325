// The JavaScript SDK (v3) against a ddbfs endpoint: create a table, put
// with a condition, update, query in pages, batch, a failed transaction,
// and the stream's records. Prints one line per step; exits 1 on a surprise.
// Usage: node sdk_flow.js http://127.0.0.1:PORT
"use strict";
const ddb = require("@aws-sdk/client-dynamodb");
const streams = require("@aws-sdk/client-dynamodb-streams");

const endpoint = process.argv[2];
const cfg = { endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } };
const c = new ddb.DynamoDBClient(cfg);
const s = new streams.DynamoDBStreamsClient(cfg);

function check(what, ok) {
	if (!ok) {
		console.log("FAIL " + what);
		process.exit(1);
	}
	console.log("ok " + what);
}

async function main() {
	const t = await c.send(new ddb.CreateTableCommand({
		TableName: "JsOrders",
		KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
		AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
		BillingMode: "PAY_PER_REQUEST",
		StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
	}));
	check("CreateTable ACTIVE", t.TableDescription.TableStatus === "ACTIVE");
	for (let i = 0; i < 30; i++)
		await c.send(new ddb.PutItemCommand({
			TableName: "JsOrders",
			Item: { pk: { S: "u1" }, sk: { N: String(i) }, v: { N: String(i * 10) } },
			ConditionExpression: "attribute_not_exists(pk)",
		}));
	let failed = false;
	try {
		await c.send(new ddb.PutItemCommand({ TableName: "JsOrders", Item: { pk: { S: "u1" }, sk: { N: "0" } },
			ConditionExpression: "attribute_not_exists(pk)" }));
	} catch (e) {
		failed = e.name === "ConditionalCheckFailedException";
	}
	check("a failed condition is ConditionalCheckFailedException", failed);
	const u = await c.send(new ddb.UpdateItemCommand({
		TableName: "JsOrders", Key: { pk: { S: "u1" }, sk: { N: "3" } },
		UpdateExpression: "SET v = v + :d", ExpressionAttributeValues: { ":d": { N: "0.5" } },
		ReturnValues: "UPDATED_NEW",
	}));
	check("UpdateItem UPDATED_NEW", u.Attributes.v.N === "30.5");
	let items = [], start, pages = 0;
	do {
		const q = await c.send(new ddb.QueryCommand({
			TableName: "JsOrders", KeyConditionExpression: "pk = :p AND sk BETWEEN :a AND :b",
			ExpressionAttributeValues: { ":p": { S: "u1" }, ":a": { N: "5" }, ":b": { N: "24" } },
			Limit: 7, ExclusiveStartKey: start, ScanIndexForward: false,
		}));
		items = items.concat(q.Items);
		start = q.LastEvaluatedKey;
		pages++;
	} while (start);
	check("Query in pages of 7, descending", items.length === 20 && pages === 3 &&
		items[0].sk.N === "24" && items[19].sk.N === "5");
	await c.send(new ddb.BatchWriteItemCommand({ RequestItems: { JsOrders: [
		{ PutRequest: { Item: { pk: { S: "u2" }, sk: { N: "1" } } } },
		{ DeleteRequest: { Key: { pk: { S: "u1" }, sk: { N: "0" } } } },
	] } }));
	const bg = await c.send(new ddb.BatchGetItemCommand({ RequestItems: { JsOrders: { Keys: [
		{ pk: { S: "u2" }, sk: { N: "1" } }, { pk: { S: "u1" }, sk: { N: "0" } }] } } }));
	check("BatchWriteItem then BatchGetItem", bg.Responses.JsOrders.length === 1);
	let canceled = null;
	try {
		await c.send(new ddb.TransactWriteItemsCommand({ TransactItems: [
			{ Put: { TableName: "JsOrders", Item: { pk: { S: "u3" }, sk: { N: "1" } } } },
			{ ConditionCheck: { TableName: "JsOrders", Key: { pk: { S: "u1" }, sk: { N: "1" } },
				ConditionExpression: "v > :big", ExpressionAttributeValues: { ":big": { N: "1000" } } } },
		] }));
	} catch (e) {
		canceled = e;
	}
	check("a failed transaction is TransactionCanceledException with its reasons",
		canceled && canceled.name === "TransactionCanceledException" &&
		canceled.CancellationReasons.map((r) => r.Code).join() === "None,ConditionalCheckFailed");
	const g = await c.send(new ddb.GetItemCommand({ TableName: "JsOrders", Key: { pk: { S: "u3" }, sk: { N: "1" } } }));
	check("the transaction changed nothing", g.Item === undefined);
	const ls = await s.send(new streams.ListStreamsCommand({ TableName: "JsOrders" }));
	const arn = ls.Streams[0].StreamArn;
	const d = await s.send(new streams.DescribeStreamCommand({ StreamArn: arn }));
	const it = await s.send(new streams.GetShardIteratorCommand({ StreamArn: arn,
		ShardId: d.StreamDescription.Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON" }));
	const r = await s.send(new streams.GetRecordsCommand({ ShardIterator: it.ShardIterator }));
	const names = r.Records.map((x) => x.eventName);
	check("GetRecords: 31 inserts, a modify, a remove", names.length === 33 &&
		names.filter((n) => n === "INSERT").length === 31 && names.includes("MODIFY") &&
		names[names.length - 1] === "REMOVE");
}

main().catch((e) => {
	console.log("FAIL " + e.name + ": " + e.message);
	process.exit(1);
});
