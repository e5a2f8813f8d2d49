/** DynamoDbTokenStore on dynalite; test/integration/dynamodb-local.test.ts runs the same contract on DynamoDB Local. */
import { tokenStoreContract } from '../support/contracts/token-store-contract.ts';
import { DYNALITE } from '../support/dynamodb-engines.ts';

tokenStoreContract(DYNALITE);
